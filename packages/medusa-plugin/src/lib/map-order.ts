// A Medusa order → PrintForge's POST /orders body (docs/integrations.md "Orders"). Which line
// items are printed: one whose line item metadata names a scan (`printforge_scan_job_id`: a
// figurine from the customer's own scan), or one whose variant has a SKU — the SKU is the
// `productRef` a print file is registered under. Anything else (no SKU: gift cards, shipping
// insurance…) is not PrintForge's and stays out.

export interface MedusaOrderForPrintForge {
  id: string
  display_id?: number | string | null
  customer_id?: string | null
  items?: Array<{
    id: string
    title?: string | null
    product_title?: string | null
    variant_sku?: string | null
    /** A number, or Medusa's BigNumber (its JSON form has `numeric`, its raw form `value`). */
    quantity: unknown
    metadata?: Record<string, unknown> | null
  } | null> | null
}

export interface PrintForgeOrderItem {
  externalId: string
  kind: 'product' | 'scan'
  productRef?: string
  scanJobId?: string
  title: string
  quantity: number
}

export interface PrintForgeOrderBody {
  externalId: string
  displayId?: string
  customerId: string
  items: PrintForgeOrderItem[]
}

export const SCAN_METADATA_KEY = 'printforge_scan_job_id'
const MAX_ITEMS = 50

const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s)

function toQuantity(q: unknown): number {
  if (typeof q === 'number' || typeof q === 'string') return Number(q)
  if (q && typeof q === 'object') {
    const big = q as { numeric?: unknown; value?: unknown }
    if (typeof big.numeric === 'number') return big.numeric
    if (big.value !== undefined) return Number(big.value)
  }
  return Number.NaN
}

/** The body, or null when no line item is for PrintForge (nothing to send). */
export function toPrintForgeOrder(order: MedusaOrderForPrintForge): PrintForgeOrderBody | null {
  const items: PrintForgeOrderItem[] = []
  for (const item of order.items ?? []) {
    if (!item) continue
    const title = clip(item.product_title && item.title && item.product_title !== item.title ? `${item.product_title} — ${item.title}` : (item.product_title ?? item.title ?? 'item'), 255)
    const quantity = toQuantity(item.quantity)
    if (!Number.isInteger(quantity) || quantity < 1) throw new Error(`order ${order.id} line ${item.id} has no whole quantity`)
    const scan = item.metadata?.[SCAN_METADATA_KEY]
    if (typeof scan === 'string' && scan !== '') items.push({ externalId: item.id, kind: 'scan', scanJobId: scan, title, quantity })
    else if (item.variant_sku) items.push({ externalId: item.id, kind: 'product', productRef: item.variant_sku, title, quantity })
  }
  if (items.length === 0) return null
  if (!order.customer_id) throw new Error(`order ${order.id} has no customer`)
  if (items.length > MAX_ITEMS) throw new Error(`order ${order.id} has ${items.length} printed items; PrintForge takes at most ${MAX_ITEMS} an order`)
  return {
    externalId: order.id,
    ...(order.display_id !== undefined && order.display_id !== null ? { displayId: String(order.display_id) } : {}),
    customerId: order.customer_id,
    items,
  }
}
