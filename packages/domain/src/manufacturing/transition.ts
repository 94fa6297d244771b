// The one way a print job's status changes: lock the row, check the state it is really in
// against the caller's expectation and the transition table, update, write the history row and
// (for the moves docs/product.md §5.3 audits) the audit row, the `manufacturing.status_changed`
// webhook event and the move of the job's order, if it has one — all in the caller's transaction.
import { writeAudit, type AuditAction, type Prisma, type Tx } from '@printforge/db'
import type { Actor, RequestMeta } from '../actor.js'
import { SYSTEM_ACTOR } from '../actor.js'
import { systemMeta } from '../correlation.js'
import { settleOrderOfJob } from '../orders/settle.js'
import { emitWebhookEvent } from '../webhooks/events.js'
import { canMove, PRINT_MOVES, type PrintMove, type PrintStatus } from './states.js'

export interface PrintTransition {
  jobId: string
  /** The states the caller expects; the move happens only from one of them. */
  from: readonly PrintStatus[]
  to: PrintStatus
  /** Other columns to set with the status. */
  data?: Omit<Prisma.ManufacturingJobUncheckedUpdateInput, 'status' | 'id'>
  /** Stored in the history row (and the audit row's details). Never secrets. */
  details?: Record<string, unknown>
  audit?: AuditAction
  by?: Actor
  meta?: RequestMeta
}

export type MoveResult = { moved: true; from: PrintStatus } | { moved: false; current: PrintStatus | null }

/** The named move of PRINT_MOVES, with its from-states, target and audit action. */
export function applyPrintMove(
  tx: Tx,
  move: PrintMove,
  t: Omit<PrintTransition, 'from' | 'to' | 'audit'>,
): Promise<MoveResult> {
  const m: { from: readonly PrintStatus[]; to: PrintStatus; audit?: AuditAction } = PRINT_MOVES[move]
  return movePrintJob(tx, { ...t, from: m.from, to: m.to, ...(m.audit ? { audit: m.audit } : {}) })
}

/**
 * Applies the move when the job is in one of `from`; otherwise reports where it is (null: gone).
 * The row lock (FOR UPDATE) makes the history's `fromStatus` the state really left, and orders
 * two movers (the worker and a cancel) so exactly one of them wins.
 */
export async function movePrintJob(tx: Tx, t: PrintTransition): Promise<MoveResult> {
  for (const from of t.from) {
    if (!canMove(from, t.to)) throw new Error(`print job transition ${from} → ${t.to} is not in the table (manufacturing/states.ts)`)
  }
  const [row] = await tx.$queryRaw<{ status: PrintStatus }[]>`
    SELECT status FROM manufacturing_jobs WHERE id = ${t.jobId}::uuid FOR UPDATE`
  if (!row || !t.from.includes(row.status)) return { moved: false, current: row?.status ?? null }
  await tx.manufacturingJob.update({ where: { id: t.jobId }, data: { ...t.data, status: t.to }, select: { id: true } })
  const details = (t.details ?? {}) as Prisma.InputJsonObject
  await tx.manufacturingJobEvent.create({ data: { jobId: t.jobId, fromStatus: row.status, toStatus: t.to, details }, select: { id: true } })
  // A move made by a request names that request; the worker's and the print follower's moves
  // (no request of their own) name the request that created the job.
  const by = t.by ?? SYSTEM_ACTOR
  let meta = t.meta
  const metaOf = async () => (meta ??= t.by ? {} : await systemMeta(tx, 'manufacturing_job', t.jobId))
  const after = await announceMove(tx, t.jobId, row.status, t.to)
  // The job's order moves with it (docs/integrations.md "Orders", Production), in this transaction.
  if (after.orderId) await settleOrderOfJob(tx, t.jobId, { orderId: after.orderId, from: row.status, to: t.to, error: after.errorReason, by, meta: await metaOf() })
  if (t.audit) {
    await writeAudit(tx, {
      ...by, ...(await metaOf()),
      action: t.audit, targetType: 'manufacturing_job', targetId: t.jobId, details: { from: row.status, to: t.to, ...t.details },
    })
  }
  return { moved: true, from: row.status }
}

interface MovedJob {
  printer_id: string | null
  progress: number
  error_code: string | null
  error_reason: string | null
  order_item_id: string | null
  order_id: string | null
}

/**
 * `manufacturing.status_changed` for every move (docs/integrations.md "Webhooks": the data table),
 * recorded with the move. Returns what the order's settlement needs.
 */
async function announceMove(tx: Tx, jobId: string, from: PrintStatus, to: PrintStatus): Promise<{ orderId: string | null; errorReason: string | null }> {
  const [job] = await tx.$queryRaw<MovedJob[]>`
    SELECT j.printer_id, j.progress, j.error_code, j.error_reason, j.order_item_id, i.order_id
      FROM manufacturing_jobs j LEFT JOIN order_items i ON i.id = j.order_item_id WHERE j.id = ${jobId}::uuid`
  if (!job) throw new Error('a print job vanished inside its own move')
  await emitWebhookEvent(tx, 'manufacturing.status_changed', {
    manufacturingJobId: jobId, orderId: job.order_id, orderItemId: job.order_item_id, status: to, previousStatus: from,
    printerId: job.printer_id, progress: job.progress,
    error: job.error_code || job.error_reason ? { code: job.error_code, reason: job.error_reason } : null,
  })
  return { orderId: job.order_id, errorReason: job.error_reason }
}

/** Terminal failure with a reason (errorCode ≤ 64, errorReason ≤ 500 characters): before the print runs, or while it runs. */
export function failPrintJob(
  tx: Tx,
  jobId: string,
  failure: { code: string; reason: string; details?: Record<string, unknown> },
  phase: 'failDispatch' | 'failPrint' | 'either' = 'either',
): Promise<MoveResult> {
  const from = phase === 'either' ? [...PRINT_MOVES.failDispatch.from, ...PRINT_MOVES.failPrint.from] : PRINT_MOVES[phase].from
  return movePrintJob(tx, {
    jobId,
    from,
    to: 'failed',
    data: { errorCode: failure.code.slice(0, 64), errorReason: failure.reason.slice(0, 500), finishedAt: new Date() },
    details: { errorCode: failure.code, ...failure.details },
    audit: 'manufacturing.failed',
  })
}
