// Correlation of background work with the HTTP request that caused it (docs/observability.md,
// "Following one print"). The worker and the print follower act as the system, without a request;
// their audit rows still name the request that created the job, so one print's rows share one id.
import type { Tx } from '@printforge/db'
import type { RequestMeta } from './actor.js'

/** The audit action that records each kind of row's creation, in the creating transaction. */
const CREATION = { manufacturing_job: 'manufacturing.created', scan_job: 'job.created' } as const
export type CorrelatedTarget = keyof typeof CREATION

/**
 * The id of the request that created the row, read from its creation audit row. Reliable: that
 * row commits with the job row (or neither does) and the audit log is append-only. Cheap: one
 * lookup on the (target_id, id) index. Undefined when the row was created without a request (the
 * CLI) or the audit row was pruned by retention.
 */
export async function creatingRequestId(tx: Tx, targetType: CorrelatedTarget, targetId: string): Promise<string | undefined> {
  const row = await tx.auditLog.findFirst({
    where: { targetId, targetType, action: CREATION[targetType] },
    select: { requestId: true },
    orderBy: { id: 'asc' },
  })
  return row?.requestId ?? undefined
}

/** The request fields of a system audit row about the job: the creating request's id. */
export async function systemMeta(tx: Tx, targetType: CorrelatedTarget, targetId: string): Promise<RequestMeta> {
  const requestId = await creatingRequestId(tx, targetType, targetId)
  return requestId ? { requestId } : {}
}
