// The `webhook.deliver` handler: one attempt of one delivery. Claim (the row counts the attempt
// and leases itself), sign with every secret that signs now, send, record. Delivery failures are
// recorded on the row, which schedules the next attempt; only an infrastructure error (database
// down) fails the job, and the lease makes the dispatcher retry it anyway.
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import {
  claimWebhookDelivery, parseWebhookUrl, recordWebhookAttempt, signingSecretsOf, WebhookTargetError,
  type ClaimedDelivery, type DeliveryResult, type WebhookTargetPolicy,
} from '@printforge/domain'
import type { Logger } from '@printforge/logger'
import type { PrinterKeyring } from '@printforge/printer-keys'
import { Webhook } from 'standardwebhooks'
import type { WebhookMetrics } from '../metrics/webhooks.js'
import type { Handler } from '../processor.js'
import { sendWebhook, type SendRequest, type SendTimeouts } from './sender.js'
import type { EndpointSlots } from './slots.js'

export interface DeliverDeps {
  db: Db
  keyring: PrinterKeyring
  log: Logger
  policy: WebhookTargetPolicy
  slots: EndpointSlots
  metrics: WebhookMetrics
  /** Test-only overrides: a short retry schedule, short timeouts, a resolver with chosen answers. */
  delaysMs?: readonly number[]
  timeouts?: SendTimeouts
  lookup?: SendRequest['lookup']
  /** Test hook: runs after the claim committed, before the request is sent. */
  beforeSend?: (deliveryId: string) => Promise<void>
}

/**
 * How long a delivery whose endpoint holds all its slots waits before it asks again (plus up to
 * as much jitter, so deferred jobs do not come back in lockstep).
 */
const SLOT_RETRY_MS = 40

/** The Standard Webhooks headers: one `v1,<sig>` per secret that signs now, space-separated. */
export function signatureHeaders(secrets: readonly string[], eventId: string, body: string, at = new Date()) {
  const signature = secrets.map((s) => new Webhook(s).sign(eventId, at, body)).join(' ')
  return { 'webhook-id': eventId, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature }
}

export function createWebhookDeliver(d: DeliverDeps): Handler<'webhook.deliver'> {
  return async ({ deliveryId, endpointId }, ctx) => {
    // The cap is checked before any database work: a deferred job costs one Redis call.
    if (!d.slots.tryTake(endpointId)) {
      if (ctx.defer) return ctx.defer(SLOT_RETRY_MS + Math.floor(Math.random() * SLOT_RETRY_MS))
      throw new Error('endpoint has no free delivery slot')
    }
    try {
      // One transaction claims the attempt and opens the secrets that sign now (null: none opens).
      const claim = await withTx(d.db, SYSTEM_CONTEXT, async (tx) => {
        const claimed = await claimWebhookDelivery(tx, deliveryId)
        if (!claimed) return null
        const secrets = await signingSecretsOf(tx, d.keyring, claimed.endpointId).catch(() => null)
        return { claimed, secrets }
      })
      // Delivered, dead, deleted, disabled, or leased by another attempt: nothing to do.
      if (!claim) return
      const { claimed, secrets } = claim
      await d.beforeSend?.(deliveryId)
      const started = performance.now()
      const result = await attempt(d, claimed, secrets)
      const status = await withTx(d.db, SYSTEM_CONTEXT, (tx) => recordWebhookAttempt(tx, claimed, result, d.delaysMs))
      if (status === null) return ctx.log.warn({ deliveryId, attempt: claimed.attempt }, 'webhook attempt outcome not recorded: a newer attempt holds the row')
      d.metrics.attempt(status === 'delivered' ? 'delivered' : status === 'dead' ? 'dead' : 'retry', (performance.now() - started) / 1000)
      const fields = { deliveryId, endpointId: claimed.endpointId, eventId: claimed.eventId, attempt: claimed.attempt, statusCode: result.statusCode, error: result.error }
      if (status === 'dead') ctx.log.error({ alert: 'webhook_dead', ...fields }, 'webhook delivery dead after its last attempt; replay it once the endpoint works')
      else if (status === 'pending') ctx.log.warn(fields, 'webhook attempt failed; retry scheduled')
      else ctx.log.debug(fields, 'webhook delivered')
    } finally {
      d.slots.release(endpointId)
    }
  }
}

/** Sign and send; every failure becomes a recorded result (never a thrown error). */
async function attempt(d: DeliverDeps, claimed: ClaimedDelivery, secrets: string[] | null): Promise<DeliveryResult> {
  let target
  try {
    target = parseWebhookUrl(claimed.url, d.policy)
  } catch (err) {
    if (err instanceof WebhookTargetError) return { ok: false, error: `refused target: ${err.message}` }
    throw err
  }
  if (!secrets) return { ok: false, error: 'no usable signing secret (PRINTER_KEYS no longer opens it)' }
  const headers = signatureHeaders(secrets, claimed.eventId, claimed.body)
  return sendWebhook({ target, headers, body: claimed.body, ...(d.timeouts ? { timeouts: d.timeouts } : {}), ...(d.lookup ? { lookup: d.lookup } : {}) })
}
