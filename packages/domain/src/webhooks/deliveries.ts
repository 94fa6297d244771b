// Webhook deliveries (docs/integrations.md "Webhooks"): the row is the truth. The worker claims a
// due row (attempt counted, a lease in next_attempt_at), sends, and records the outcome on the
// same attempt; a worker that dies mid-send leaves the row pending with its lease, and the
// dispatcher finds it due again when the lease ends. Nothing is lost, at worst sent twice — the
// receivers dedup on webhook-id.
import { writeAudit, type Prisma, type Tx, type WebhookDeliveryStatus } from '@printforge/db'
import { AppError } from '@printforge/errors'
import type { Actor, RequestMeta } from '../actor.js'
import { SYSTEM_ACTOR } from '../actor.js'

/**
 * When each attempt is made, from the first failure on: the first attempt is immediate, then
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts, about 27 h), then dead.
 */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const

/** How long a claimed attempt holds its row: beyond the sender's 10 s deadline and the recording. */
export const WEBHOOK_LEASE_MS = 20_000

const VIEW = {
  id: true, eventId: true, endpointId: true, status: true, attempts: true, nextAttemptAt: true, lastAttemptAt: true,
  lastStatusCode: true, lastError: true, responseSnippet: true, deliveredAt: true, createdAt: true,
  event: { select: { type: true } },
} satisfies Prisma.WebhookDeliverySelect
type Row = Prisma.WebhookDeliveryGetPayload<{ select: typeof VIEW }>

const iso = (d: Date | null) => d?.toISOString() ?? null
export function deliveryView(r: Row) {
  return {
    id: r.id, eventId: r.eventId, eventType: r.event.type, endpointId: r.endpointId, status: r.status, attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.nextAttemptAt.toISOString() : null, lastAttemptAt: iso(r.lastAttemptAt),
    lastStatusCode: r.lastStatusCode, lastError: r.lastError, responseSnippet: r.responseSnippet,
    deliveredAt: iso(r.deliveredAt), createdAt: r.createdAt.toISOString(),
  }
}
export type WebhookDeliveryView = ReturnType<typeof deliveryView>

/** One page, newest first; `after` is the last row of the previous page. */
export async function listWebhookDeliveries(
  tx: Tx, endpointId: string, f: { status?: WebhookDeliveryStatus; after?: { createdAt: Date; id: string }; limit: number },
) {
  const exists = await tx.webhookEndpoint.findUnique({ where: { id: endpointId }, select: { id: true } })
  if (!exists) throw new AppError('NOT_FOUND', 'Webhook endpoint not found.')
  const rows = await tx.webhookDelivery.findMany({
    where: {
      endpointId,
      ...(f.status ? { status: f.status } : {}),
      ...(f.after ? { OR: [{ createdAt: { lt: f.after.createdAt } }, { createdAt: f.after.createdAt, id: { gt: f.after.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    take: f.limit + 1,
    select: VIEW,
  })
  const page = rows.slice(0, f.limit)
  const last = page.at(-1)
  return { items: page.map(deliveryView), next: rows.length > f.limit && last ? { createdAt: last.createdAt, id: last.id } : null }
}

/** A dead or delivered delivery goes back to pending with a fresh attempt count, and the dispatcher is woken. */
export async function replayWebhookDelivery(tx: Tx, endpointId: string, deliveryId: string, by: Actor, meta: RequestMeta) {
  const row = await tx.webhookDelivery.findFirst({ where: { id: deliveryId, endpointId }, select: { status: true, eventId: true } })
  if (!row) throw new AppError('NOT_FOUND', 'Delivery not found.')
  const moved = await tx.webhookDelivery.updateMany({
    where: { id: deliveryId, endpointId, status: { in: ['dead', 'delivered'] } },
    data: { status: 'pending', attempts: 0, nextAttemptAt: new Date(), deliveredAt: null },
  })
  if (moved.count === 0) throw new AppError('CONFLICT', 'The delivery is still pending.')
  await tx.$executeRaw`SELECT pg_notify('printforge_webhooks', '')`
  await writeAudit(tx, { ...by, action: 'webhook.replayed', targetType: 'webhook_delivery', targetId: deliveryId, ...meta, details: { endpointId, eventId: row.eventId, previousStatus: row.status } })
  const view = await tx.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId }, select: VIEW })
  return deliveryView(view)
}

/** The dispatcher: pending deliveries that are due, oldest due first (the state keys its job). */
export async function dueWebhookDeliveries(tx: Tx, limit: number): Promise<{ id: string; endpointId: string; attempts: number; nextAttemptAt: Date }[]> {
  // A disabled endpoint's deliveries wait (pending) until it is enabled again.
  return tx.webhookDelivery.findMany({
    where: { status: 'pending', nextAttemptAt: { lte: new Date() }, endpoint: { enabled: true } },
    orderBy: { nextAttemptAt: 'asc' },
    take: limit,
    select: { id: true, endpointId: true, attempts: true, nextAttemptAt: true },
  })
}

export interface ClaimedDelivery {
  id: string
  endpointId: string
  attempt: number
  url: string
  eventId: string
  /** The body exactly as stored and sent (jsonb's text form). */
  body: string
}

/**
 * Takes the next attempt of a due delivery: counts it and leases the row for WEBHOOK_LEASE_MS.
 * Null when the row is not pending, not due (another claim holds it) or its endpoint is disabled.
 * The conditional UPDATE makes two racing claimers (a stalled job and its replacement) send once.
 */
export async function claimWebhookDelivery(tx: Tx, id: string, leaseMs = WEBHOOK_LEASE_MS): Promise<ClaimedDelivery | null> {
  const rows = await tx.$queryRaw<{ id: string; endpoint_id: string; attempts: number; url: string; event_id: string; body: string }[]>`
    UPDATE webhook_deliveries d
       SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}::float8)
      FROM webhook_endpoints e, webhook_events ev
     WHERE d.id = ${id}::uuid AND d.status = 'pending' AND d.next_attempt_at <= now()
       AND e.id = d.endpoint_id AND e.enabled AND ev.id = d.event_id
    RETURNING d.id, d.endpoint_id, d.attempts, e.url, d.event_id, ev.payload::text AS body`
  const r = rows[0]
  return r ? { id: r.id, endpointId: r.endpoint_id, attempt: r.attempts, url: r.url, eventId: r.event_id, body: r.body } : null
}

export interface DeliveryResult {
  ok: boolean
  statusCode?: number
  error?: string
  snippet?: string
}

/**
 * Records an attempt's outcome, only if the row is still on that attempt (a late, stale sender
 * does not overwrite a newer one). A failure schedules the next attempt or, after the last,
 * marks the delivery dead with its audit row. Returns the new status, or null when stale.
 */
export async function recordWebhookAttempt(
  tx: Tx, claimed: Pick<ClaimedDelivery, 'id' | 'attempt' | 'endpointId' | 'eventId'>, result: DeliveryResult, delaysMs: readonly number[] = WEBHOOK_RETRY_DELAYS_MS,
): Promise<WebhookDeliveryStatus | null> {
  const common = {
    lastStatusCode: result.statusCode ?? null,
    lastError: result.error?.slice(0, 500) ?? null,
    responseSnippet: result.snippet?.slice(0, 256) ?? null,
  }
  const dead = !result.ok && claimed.attempt > delaysMs.length
  const status: WebhookDeliveryStatus = result.ok ? 'delivered' : dead ? 'dead' : 'pending'
  const now = new Date()
  const moved = await tx.webhookDelivery.updateMany({
    where: { id: claimed.id, status: 'pending', attempts: claimed.attempt },
    data: {
      ...common, status,
      ...(result.ok ? { deliveredAt: now } : {}),
      ...(status === 'pending' ? { nextAttemptAt: new Date(now.getTime() + delaysMs[claimed.attempt - 1]!) } : {}),
    },
  })
  if (moved.count === 0) return null
  if (dead) {
    await writeAudit(tx, {
      ...SYSTEM_ACTOR, action: 'webhook.dead', targetType: 'webhook_delivery', targetId: claimed.id,
      details: { endpointId: claimed.endpointId, eventId: claimed.eventId, attempts: claimed.attempt, lastStatusCode: result.statusCode ?? null, lastError: common.lastError },
    })
  }
  return status
}
