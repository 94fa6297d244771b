import { Type } from 'typebox'
import type { ConfigProblem } from '../load.js'

/**
 * Outbound webhooks (docs/integrations.md "Webhooks"), read by the API (checks a URL when it is
 * saved) and the worker (checks it again at every connect).
 */
export const webhookEnv = {
  /**
   * `host:port,…` targets that may be private and plain http (a local Medusa, test receivers).
   * Refused when NODE_ENV=production: there every endpoint must be public https. Unset: none.
   */
  WEBHOOK_DEV_TARGETS: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.:\\[\\],_-]*$' })),
}

const TARGET = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):(\d{1,5})$/i

/** `a:1, b:2` → ['a:1', 'b:2'] (lower-cased), or the problem with the first bad entry. */
export function parseDevTargets(value: string | undefined): { targets: string[]; problem?: string } {
  const targets = (value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
  const bad = targets.find((t) => !TARGET.test(t) || Number(TARGET.exec(t)![2]) < 1 || Number(TARGET.exec(t)![2]) > 65535)
  return bad ? { targets, problem: `holds ${JSON.stringify(bad)}: list host:port entries` } : { targets }
}

/** Boot-time rules for WEBHOOK_DEV_TARGETS, shared by the API and the worker. */
export function refineWebhookConfig(config: { NODE_ENV: string; WEBHOOK_DEV_TARGETS?: string | undefined }): ConfigProblem[] {
  const { targets, problem } = parseDevTargets(config.WEBHOOK_DEV_TARGETS)
  if (problem) return [{ variable: 'WEBHOOK_DEV_TARGETS', problem }]
  if (targets.length > 0 && config.NODE_ENV === 'production') {
    return [{ variable: 'WEBHOOK_DEV_TARGETS', problem: 'must be unset when NODE_ENV=production (it lets webhooks reach private, plain-http targets)' }]
  }
  return []
}
