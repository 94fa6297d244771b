import type { Tx } from '@printforge/db'

/**
 * The events an endpoint can subscribe to (docs/integrations.md "Webhooks"). The migration's
 * webhook_endpoints_events_known check lists the same values; a test compares them.
 */
export const WEBHOOK_EVENT_TYPES = [
  'scan.stored',
  'scan.failed',
  'order.status_changed',
  'manufacturing.status_changed',
  'printer.offline',
  'printer.error',
] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

/**
 * Records an event in the caller's transaction (webhook_emit: one event row, one pending delivery
 * per subscribed endpoint), so the event exists exactly when the change it reports commits. That
 * is all a producer does: webhook_emit notifies the worker at commit, and the worker's dispatcher
 * (which also polls) turns due deliveries into jobs. The returned ids are informational.
 * `data` is what receivers see: ids and states, never secrets or more customer data than the
 * subscriber's scopes would read.
 */
export async function emitWebhookEvent(tx: Tx, type: WebhookEventType, data: Record<string, unknown>): Promise<string[]> {
  const [row] = await tx.$queryRaw<{ ids: string[] }[]>`SELECT public.webhook_emit(${type}, ${JSON.stringify(data)}::jsonb) AS ids`
  return row?.ids ?? []
}
