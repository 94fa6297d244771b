// Reading a Medusa order for PrintForge, and keeping PrintForge's side of it in the order's
// metadata (keys printforge_*; everything else in the metadata is left as it was).
import type { MedusaContainer, OrderModuleService, Query } from './medusa-types.js'
import type { MedusaOrderForPrintForge } from './map-order.js'

export const ORDER_FIELDS = [
  'id', 'display_id', 'customer_id', 'metadata', 'created_at',
  'items.id', 'items.title', 'items.product_title', 'items.variant_sku', 'items.quantity', 'items.metadata',
]

export type MedusaOrder = MedusaOrderForPrintForge & { metadata?: Record<string, unknown> | null }

export async function loadOrder(container: MedusaContainer, id: string): Promise<MedusaOrder | null> {
  const { data } = await container.resolve<Query>('query').graph({ entity: 'order', fields: ORDER_FIELDS, filters: { id } })
  return (data[0] as MedusaOrder | undefined) ?? null
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
