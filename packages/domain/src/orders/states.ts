/**
 * An order's life (docs/integrations.md "Orders"): the shop records it, an admin reviews it,
 * its print jobs carry it through production to its end. The one table of allowed moves.
 */
export const ORDER_STATUSES = ['pending_review', 'approved', 'rejected', 'in_production', 'completed', 'failed'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

const MOVES: Record<OrderStatus, readonly OrderStatus[]> = {
  pending_review: ['approved', 'rejected'],
  approved: ['in_production', 'completed', 'failed'],
  in_production: ['completed', 'failed'],
  rejected: [],
  completed: [],
  failed: [],
}

export const canMoveOrder = (from: OrderStatus, to: OrderStatus) => MOVES[from].includes(to)
export const isOrderFinal = (status: OrderStatus) => MOVES[status].length === 0
