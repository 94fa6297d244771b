// An order follows its print jobs (docs/integrations.md "Orders", Production). Called by
// movePrintJob — the one home of print job moves — in the move's own transaction, so an order's
// state never disagrees with its jobs' for longer than an uncommitted transaction.
import type { Tx } from '@printforge/db'
import type { Actor, RequestMeta } from '../actor.js'
import type { PrintStatus } from '../manufacturing/states.js'
import { lockOrder, moveOrder } from './move.js'
import { isOrderFinal } from './states.js'

export interface SettledJobMove {
  /** The job's order (through its order line); null: not an order's job, nothing to do. */
  orderId: string | null
  from: PrintStatus
  to: PrintStatus
  /** The job's recorded error reason, for a failure. */
  error: string | null
  by: Actor
  meta: RequestMeta
}

/**
 * The first job to leave `queued` moves an approved order to `in_production`; the last job to
 * complete completes it; a job that fails or is cancelled fails it with the reason. The order row
 * is locked first: two jobs finishing at once are serialised, and the second (under READ
 * COMMITTED, a fresh snapshot per statement) counts the first as completed.
 */
export async function settleOrderOfJob(tx: Tx, jobId: string, move: SettledJobMove): Promise<void> {
  if (!move.orderId) return
  const order = await lockOrder(tx, move.orderId)
  if (!order || isOrderFinal(order.status) || (order.status !== 'approved' && order.status !== 'in_production')) return
  const common = { by: move.by, meta: move.meta, details: { manufacturingJobId: jobId } }
  if (move.to === 'failed' || move.to === 'cancelled') {
    const reason = move.to === 'failed' ? `Print job ${jobId} failed: ${move.error ?? 'no reason recorded'}` : `Print job ${jobId} was cancelled.`
    await moveOrder(tx, order, { to: 'failed', reason, ...common })
    return
  }
  if (move.to === 'completed') {
    const [open] = await tx.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM manufacturing_jobs j JOIN order_items i ON i.id = j.order_item_id
       WHERE i.order_id = ${order.id}::uuid AND j.status <> 'completed'`
    if ((open?.n ?? 1) === 0) await moveOrder(tx, order, { to: 'completed', ...common })
    return
  }
  if (move.from === 'queued' && order.status === 'approved') await moveOrder(tx, order, { to: 'in_production', ...common })
}
