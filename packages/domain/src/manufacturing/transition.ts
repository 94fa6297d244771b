// The one way a print job's status changes: lock the row, check the state it is really in
// against the caller's expectation and the transition table, update, write the history row and
// (for the moves docs/product.md §5.3 audits) the audit row — all in the caller's transaction.
import { writeAudit, type AuditAction, type Prisma, type Tx } from '@printforge/db'
import type { Actor, RequestMeta } from '../actor.js'
import { SYSTEM_ACTOR } from '../actor.js'
import { systemMeta } from '../correlation.js'
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
  if (t.audit) {
    // A move made by a request names that request; the worker's and the print follower's moves
    // (no request of their own) name the request that created the job.
    const meta = t.meta ?? (t.by ? {} : await systemMeta(tx, 'manufacturing_job', t.jobId))
    await writeAudit(tx, {
      ...(t.by ?? SYSTEM_ACTOR), ...meta,
      action: t.audit, targetType: 'manufacturing_job', targetId: t.jobId, details: { from: row.status, to: t.to, ...t.details },
    })
  }
  return { moved: true, from: row.status }
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
