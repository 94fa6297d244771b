// order.status_changed → the Medusa order's metadata. Deliveries are at least once and may arrive
// out of order (a retried older one after a newer one): a status is recorded only when its event
// is newer than the one the order holds, so a late `in_production` never overwrites `completed`.
import type { MedusaContainer } from './medusa-types.js'
import { loadOrder, mergeOrderMetadata } from './medusa-orders.js'
import { META } from './send-order.js'
import type { PrintForgeEvent } from './verify-webhook.js'

export type RecordResult = 'recorded' | 'stale' | 'unknown_order' | 'ignored'

export async function recordOrderStatus(container: MedusaContainer, event: PrintForgeEvent): Promise<RecordResult> {
  if (event.type !== 'order.status_changed') return 'ignored'
  const { externalId, orderId, status, reason } = event.data
  if (typeof externalId !== 'string' || typeof status !== 'string') return 'ignored'
  const order = await loadOrder(container, externalId)
  if (!order) return 'unknown_order' // an order of another shop on the same PrintForge
  const held = order.metadata?.[META.statusAt]
  if (typeof held === 'string' && held >= event.timestamp) return 'stale'
  await mergeOrderMetadata(container, order, {
    [META.orderId]: typeof orderId === 'string' ? orderId : order.metadata?.[META.orderId],
    [META.status]: status,
    [META.statusReason]: typeof reason === 'string' ? reason : null,
    [META.statusAt]: event.timestamp,
  })
  return 'recorded'
}
