// Reading a Medusa order for PrintForge, and keeping PrintForge's side of it in the order's
// metadata (keys printforge_*; everything else in the metadata is left as it was).
import type { MedusaContainer, OrderModuleService, Query } from './medusa-types.js'
import type { MedusaOrderForPrintForge } from './map-order.js'

export type MedusaOrder = MedusaOrderForPrintForge & { metadata?: Record<string, unknown> | null }

/**
 * Through the order module's service, not Query: an order line's quantity lives in the order's item
 * detail, which the service folds into each item (a Query for `items.quantity` gave no usable quantity: PrintForge refused the order).
 */
export async function loadOrder(container: MedusaContainer, id: string): Promise<MedusaOrder | null> {
  const [order] = await container.resolve<OrderModuleService>('order').listOrders({ id }, { relations: ['items'] })
  return (order as MedusaOrder | undefined) ?? null
}

/** Orders created since `since`, oldest first (the reconciliation's candidates). */
export async function listRecentOrders(container: MedusaContainer, since: Date, take: number): Promise<Array<{ id: string; metadata?: Record<string, unknown> | null }>> {
  const { data } = await container.resolve<Query>('query').graph({
    entity: 'order', fields: ['id', 'metadata'], filters: { created_at: { $gte: since.toISOString() } }, pagination: { take, order: { created_at: 'ASC' } },
  })
  return data as Array<{ id: string; metadata?: Record<string, unknown> | null }>
}

/** Merges `patch` into the order's metadata (the module's update replaces metadata as a whole). */
export async function mergeOrderMetadata(container: MedusaContainer, order: { id: string; metadata?: Record<string, unknown> | null }, patch: Record<string, unknown>): Promise<void> {
  await container.resolve<OrderModuleService>('order').updateOrders(order.id, { metadata: { ...(order.metadata ?? {}), ...patch } })
}
