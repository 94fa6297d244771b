// The plugin's options (medusa-config.ts `plugins: [{ resolve: '@printforge/medusa-plugin', options }]`),
// checked once: a wrong setting is a clear error naming the option, never its value (the key and
// the secret are credentials).

export interface PrintForgeOptions {
  /** PrintForge's API, e.g. https://api.printforge.example. */
  printforgeUrl: URL
  /** An API key `pf_<id>_<secret>` with the scopes orders:write and orders:read. */
  apiKey: string
  /** The webhook endpoint's signing secret `whsec_…`, shown once when the endpoint was created. */
  webhookSecret: string
  /** How often the reconciliation job re-sends orders the subscriber missed; 0 turns it off. */
  reconcileIntervalMinutes: number
  /** How far back the reconciliation looks for orders that never reached PrintForge. */
  reconcileLookbackHours: number
  /** One request to PrintForge, in all. */
  requestTimeoutMs: number
  /** Tries of one send before the subscriber gives up (the reconciliation tries again later). */
  maxAttempts: number
}

const KEY_SHAPE = /^pf_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/
const SECRET_SHAPE = /^whsec_[A-Za-z0-9+/=]{16,}$/
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

export class PrintForgeOptionsError extends Error {
  constructor(message: string) {
    super(`@printforge/medusa-plugin: ${message}`)
  }
}

function integer(raw: unknown, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === null) return fallback
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) throw new PrintForgeOptionsError(`option ${name} must be an integer from ${min} to ${max}`)
  return raw
}

export function parseOptions(raw: Record<string, unknown> | undefined): PrintForgeOptions {
  const o = raw ?? {}
  if (typeof o['printforgeUrl'] !== 'string') throw new PrintForgeOptionsError('option printforgeUrl is required')
  let url: URL
  try {
    url = new URL(o['printforgeUrl'])
  } catch {
    throw new PrintForgeOptionsError('option printforgeUrl is not a URL')
  }
  // The key travels in every request: plain http only to this machine (local development, tests).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new PrintForgeOptionsError('option printforgeUrl must be https:// (http:// only for localhost)')
  }
  if (url.username || url.password) throw new PrintForgeOptionsError('option printforgeUrl must not carry credentials')
  if (typeof o['apiKey'] !== 'string' || !KEY_SHAPE.test(o['apiKey'])) throw new PrintForgeOptionsError('option apiKey must be a PrintForge API key (pf_…)')
  if (typeof o['webhookSecret'] !== 'string' || !SECRET_SHAPE.test(o['webhookSecret'])) throw new PrintForgeOptionsError('option webhookSecret must be the webhook signing secret (whsec_…)')
  return {
    printforgeUrl: url,
    apiKey: o['apiKey'],
    webhookSecret: o['webhookSecret'],
    reconcileIntervalMinutes: integer(o['reconcileIntervalMinutes'], 'reconcileIntervalMinutes', 15, 0, 24 * 60),
    reconcileLookbackHours: integer(o['reconcileLookbackHours'], 'reconcileLookbackHours', 72, 1, 24 * 30),
    requestTimeoutMs: integer(o['requestTimeoutMs'], 'requestTimeoutMs', 10_000, 1_000, 120_000),
    maxAttempts: integer(o['maxAttempts'], 'maxAttempts', 4, 1, 10),
  }
}
