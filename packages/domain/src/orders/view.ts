// What the API answers about an order (docs/integrations.md "Orders": the order view).
import type { Prisma, Tx } from '@printforge/db'
import type { OrderStatus } from './states.js'

export const ORDER_VIEW_INCLUDE = {
  items: {
    orderBy: { position: 'asc' },
    include: { manufacturingJobs: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true, status: true, progress: true } } },
  },
} satisfies Prisma.OrderInclude
export type OrderRow = Prisma.OrderGetPayload<{ include: typeof ORDER_VIEW_INCLUDE }>

const iso = (d: Date | null) => d?.toISOString() ?? null

export function toOrderView(o: OrderRow) {
  return {
    id: o.id, externalId: o.externalId, displayId: o.displayId, customerId: o.customerId, status: o.status as OrderStatus,
    statusReason: o.statusReason, notes: o.notes, createdAt: o.createdAt.toISOString(), updatedAt: o.updatedAt.toISOString(),
    reviewedAt: iso(o.reviewedAt), reviewedBy: o.reviewedBy, finishedAt: iso(o.finishedAt),
    items: o.items.map((i) => ({
      id: i.id, externalId: i.externalId, kind: i.kind, scanJobId: i.scanJobId, productRef: i.productRef, title: i.title, quantity: i.quantity,
      manufacturingJobs: i.manufacturingJobs,
    })),
  }
}
export type OrderView = ReturnType<typeof toOrderView>

/**
 * One order as its reader may see it (RLS decides; `customerId` adds the tenant filter a customer's
 * reads carry on top, defence in depth). Null: absent or not theirs — the same answer.
 */
export async function readOrder(tx: Tx, id: string, customerId: string | null): Promise<OrderView | null> {
  const row = await tx.order.findFirst({ where: { id, ...(customerId ? { customerId } : {}) }, include: ORDER_VIEW_INCLUDE })
  return row ? toOrderView(row) : null
}
