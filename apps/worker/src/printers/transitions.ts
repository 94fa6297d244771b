// Every manufacturing job state change goes through here: a conditional update (so two workers,
// or the worker and the API's cancel, can never both move one job), its history row and, for
// the transitions docs/product.md §5.3 names, the audit row — one transaction, audit row last.
import { type Prisma, SYSTEM_CONTEXT, withTx, writeAudit, type AuditAction, type Db, type ManufacturingStatus, type Tx } from '@printforge/db'

export interface Transition {
  jobId: string
  /** The states the job may be in for this transition to happen. */
  from: readonly ManufacturingStatus[]
  to: ManufacturingStatus
  /** Other columns to set with the status. */
  data?: Omit<Prisma.ManufacturingJobUncheckedUpdateInput, 'status' | 'id'>
  /** Stored in the history row (and the audit row's details). Never secrets. */
  details?: Record<string, unknown>
  audit?: AuditAction
}

/** Applies the transition; false when the job was not in one of `from` (someone else moved it). */
export function transition(db: Db, t: Transition): Promise<boolean> {
  return withTx(db, SYSTEM_CONTEXT, (tx) => applyTransition(tx, t))
}

/** The same inside the caller's transaction (which must run as SYSTEM_CONTEXT). */
export async function applyTransition(tx: Tx, t: Transition): Promise<boolean> {
  // Lock the row first so the history row names the state we really left.
  const [row] = await tx.$queryRaw<{ status: ManufacturingStatus }[]>`
    SELECT status FROM manufacturing_jobs WHERE id = ${t.jobId}::uuid FOR UPDATE`
  if (!row || !t.from.includes(row.status)) return false
  await tx.manufacturingJob.update({ where: { id: t.jobId }, data: { ...t.data, status: t.to }, select: { id: true } })
  const details = (t.details ?? {}) as Prisma.InputJsonObject
  await tx.manufacturingJobEvent.create({ data: { jobId: t.jobId, fromStatus: row.status, toStatus: t.to, details }, select: { id: true } })
  if (t.audit) {
    await writeAudit(tx, { actorType: 'system', actorId: 'system', action: t.audit, targetType: 'manufacturing_job', targetId: t.jobId, details: { from: row.status, to: t.to, ...t.details } })
  }
  return true
}

const ACTIVE: readonly ManufacturingStatus[] = ['queued', 'uploading', 'starting', 'printing']

/** Terminal failure with a reason (errorCode ≤ 64, errorReason ≤ 500 characters). */
export function failJob(
  db: Db,
  jobId: string,
  errorCode: string,
  errorReason: string,
  details: Record<string, unknown> = {},
  from: readonly ManufacturingStatus[] = ACTIVE,
) {
  return transition(db, {
    jobId,
    from,
    to: 'failed',
    data: { errorCode: errorCode.slice(0, 64), errorReason: errorReason.slice(0, 500), finishedAt: new Date() },
    details: { errorCode, ...details },
    audit: 'manufacturing.failed',
  })
}
