// One Medusa order to PrintForge: what the order.placed subscriber and the reconciliation share.
import type { Logger, MedusaContainer } from './medusa-types.js'
import { toPrintForgeOrder } from './map-order.js'
import { loadOrder, mergeOrderMetadata } from './medusa-orders.js'
import type { PrintForgeOptions } from './options.js'
import { PrintForgeApi, PrintForgeRefused } from './printforge-api.js'

export const META = {
  orderId: 'printforge_order_id',
  status: 'printforge_status',
  statusReason: 'printforge_status_reason',
  statusAt: 'printforge_status_at',
  /** Why an order was not sent and will not be retried (nothing printable, or refused by PrintForge). */
  skipped: 'printforge_skipped',
} as const

export type SendResult = 'sent' | 'already_sent' | 'replayed' | 'nothing_to_print' | 'refused' | 'not_found'

export async function sendOrder(container: MedusaContainer, options: PrintForgeOptions, orderId: string, api = new PrintForgeApi(options)): Promise<SendResult> {
  const logger = container.resolve<Logger>('logger')
  const order = await loadOrder(container, orderId)
  if (!order) return 'not_found'
  if (order.metadata?.[META.orderId]) return 'already_sent'
  const body = toPrintForgeOrder(order)
  if (!body) {
    await mergeOrderMetadata(container, order, { [META.skipped]: 'nothing_to_print' })
    return 'nothing_to_print'
  }
  try {
    const { order: recorded, replayed } = await api.createOrder(body)
    // Only if the status is not already newer (a webhook can beat this write).
    const fresh = await loadOrder(container, orderId)
    await mergeOrderMetadata(container, fresh ?? order, { [META.orderId]: recorded.id, ...(fresh?.metadata?.[META.status] ? {} : { [META.status]: recorded.status }) })
    logger.info(`PrintForge: order ${orderId} ${replayed ? 'was already recorded' : 'recorded'} as ${recorded.id}`)
    return replayed ? 'replayed' : 'sent'
  } catch (err) {
    if (err instanceof PrintForgeRefused && err.status !== 401 && err.status !== 403) {
      // A 400/409 will not change by sending it again: mark it for a person to look at.
      await mergeOrderMetadata(container, order, { [META.skipped]: `refused: ${err.status}${err.code ? ` ${err.code}` : ''}` })
      logger.error(`PrintForge refused order ${orderId}: ${err.message}`)
      return 'refused'
    }
    throw err
  }
}
