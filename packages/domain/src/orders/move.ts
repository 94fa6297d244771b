// The one way an order's status changes: on a row locked by lockOrder, checked against the state
// table, with its audit row and its `order.status_changed` webhook event in the caller's transaction.
import { writeAudit, type AuditAction, type Prisma, type Tx } from '@printforge/db'
import type { Actor, RequestMeta } from '../actor.js'
import { emitWebhookEvent } from '../webhooks/events.js'
import { canMoveOrder, isOrderFinal, type OrderStatus } from './states.js'

export interface LockedOrder {
  id: string
  externalId: string
  customerId: string
  status: OrderStatus
}

/**
 * The order under a row lock (FOR UPDATE), so concurrent movers — two print jobs finishing at once,
 * an approval and a rejection — see each other's result. Null when absent or not visible to the
 * context (RLS: an operator can lock only orders in production).
 */
export async function lockOrder(tx: Tx, id: string): Promise<LockedOrder | null> {
  const [row] = await tx.$queryRaw<{ id: string; external_id: string; customer_id: string; status: OrderStatus }[]>`
    SELECT id, external_id, customer_id, status::text AS status FROM orders WHERE id = ${id}::uuid FOR UPDATE`
  return row ? { id: row.id, externalId: row.external_id, customerId: row.customer_id, status: row.status } : null
}

const ACTION = {
  pending_review: 'order.created',
  approved: 'order.approved',
  rejected: 'order.rejected',
  in_production: 'order.in_production',
  completed: 'order.completed',
  failed: 'order.failed',
} as const satisfies Record<OrderStatus, AuditAction>

export interface OrderMove {
  to: OrderStatus
  /** Why (rejected, failed): stored as status_reason, sent in the event. ≤ 500 characters. */
  reason?: string
  /** Other columns to set with the status. */
  data?: Omit<Prisma.OrderUncheckedUpdateInput, 'status' | 'id'>
  /** Extra audit details. Never secrets. */
  details?: Record<string, unknown>
  by: Actor
  meta: RequestMeta
}

/** Moves a locked order; throws if the state table forbids it (callers check first: that is a bug). */
export async function moveOrder(tx: Tx, order: LockedOrder, move: OrderMove): Promise<void> {
  if (!canMoveOrder(order.status, move.to)) throw new Error(`order transition ${order.status} → ${move.to} is not in the table (orders/states.ts)`)
  const reason = move.reason?.slice(0, 500) ?? null
  await tx.order.update({
    where: { id: order.id },
    data: { ...move.data, status: move.to, ...(reason !== null ? { statusReason: reason } : {}), ...(isOrderFinal(move.to) ? { finishedAt: new Date() } : {}) },
    select: { id: true },
  })
  await emitOrderEvent(tx, order, move.to, order.status, reason)
  await writeAudit(tx, {
    ...move.by, ...move.meta, action: ACTION[move.to], targetType: 'order', targetId: order.id,
    details: { externalId: order.externalId, customerId: order.customerId, from: order.status, to: move.to, ...(reason !== null ? { reason } : {}), ...move.details },
  })
  order.status = move.to
}

/** `order.status_changed` (docs/integrations.md "Webhooks": the data table). */
export function emitOrderEvent(tx: Tx, order: Omit<LockedOrder, 'status'>, status: OrderStatus, previousStatus: OrderStatus | null, reason: string | null) {
  return emitWebhookEvent(tx, 'order.status_changed', {
    orderId: order.id, externalId: order.externalId, customerId: order.customerId, status, previousStatus, reason,
  })
}

export const orderAuditAction = (status: OrderStatus) => ACTION[status]
