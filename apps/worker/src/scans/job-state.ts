// A scan job's state changes in the worker, each one transaction with its audit row. The API
// moves jobs too (cancel, delete): every change here is conditional on the state it expects, so
// whichever side commits first wins and the other sees it.
import { drainDeletions, recordDeletions, SYSTEM_CONTEXT, withTx, writeAudit, type Db } from '@printforge/db'
import type { Logger } from '@printforge/logger'
import { quarantinePrefix, type ObjectStore } from '@printforge/storage'

export interface ScanDeps {
  db: Db
  store: ObjectStore
  log: Logger
}

const audit = (action: 'scan.stored' | 'scan.failed', targetType: string, targetId: string, details: Record<string, unknown>) =>
  ({ actorType: 'system' as const, actorId: 'system', action, targetType, targetId, details })

/**
 * queued → processing. True when this attempt may work on the job: it moved it, or an earlier
 * attempt did (a retry). False when the job was cancelled or deleted meanwhile.
 */
export async function startProcessing(db: Db, jobId: string): Promise<boolean> {
  return withTx(db, SYSTEM_CONTEXT, async (tx) => {
    const { count } = await tx.scanJob.updateMany({ where: { id: jobId, status: 'queued' }, data: { status: 'processing' } })
    if (count === 1) return true
    const row = await tx.scanJob.findUnique({ where: { id: jobId }, select: { status: true } })
    return row?.status === 'processing'
  })
}

/** The job's current status, or null when it was deleted. */
export async function statusOf(db: Db, jobId: string) {
  const row = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.scanJob.findUnique({ where: { id: jobId }, select: { status: true } }))
  return row?.status ?? null
}

/**
 * A cancelled job keeps nothing it has not stored: its quarantined image rows go, and its
 * quarantine objects through the deletion outbox (removed now, or by the sweep's retries).
 */
export async function discardUploads(deps: ScanDeps, jobId: string): Promise<void> {
  const discarded = await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
    const { count } = await tx.scanImage.deleteMany({ where: { jobId, status: 'quarantined' } })
    await recordDeletions(tx, [quarantinePrefix(jobId)], 'job.cancelled')
    return count
  })
  await drainDeletions(deps.db, deps.store, { keys: [quarantinePrefix(jobId)] })
  if (discarded > 0) deps.log.info({ scanJobId: jobId, discarded }, 'cancelled job: uploads not yet stored were removed')
}

/**
 * The job cannot be ingested however often it is retried (its last queue attempt failed, or the
 * sweeper re-enqueued it too often): it ends `failed` with the reason, its unprocessed images
 * fail with it, and their uploads are removed.
 */
export async function giveUp(deps: ScanDeps, jobId: string, reason: string): Promise<boolean> {
  const failureReason = `Processing failed repeatedly; gave up: ${reason}`.slice(0, 500)
  const moved = await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
    const { count } = await tx.scanJob.updateMany({
      where: { id: jobId, status: { in: ['queued', 'processing'] } },
      data: { status: 'failed', failureReason, finishedAt: new Date() },
    })
    if (count === 0) return false
    await tx.scanImage.updateMany({ where: { jobId, status: 'quarantined' }, data: { status: 'failed', failureReason: 'not processed: the job gave up' } })
    await recordDeletions(tx, [quarantinePrefix(jobId)], 'scan.failed')
    await writeAudit(tx, audit('scan.failed', 'scan_job', jobId, { reason: failureReason }))
    return true
  })
  if (moved) {
    deps.log.error({ scanJobId: jobId, reason: failureReason }, 'scan job failed for good')
    await drainDeletions(deps.db, deps.store, { keys: [quarantinePrefix(jobId)] })
  }
  return moved
}

/** The job ends `stored` when any image was stored, else `failed`, with a summary of failures. */
export async function finish(deps: ScanDeps, jobId: string): Promise<void> {
  await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
    const images = await tx.scanImage.findMany({ where: { jobId }, select: { status: true, failureReason: true } })
    if (images.some((i) => i.status === 'quarantined')) throw new Error('images left in quarantine; retrying')
    const stored = images.filter((i) => i.status === 'stored').length
    const failed = images.filter((i) => i.status === 'failed')
    const status = stored > 0 ? 'stored' : 'failed'
    const reasons = [...new Set(failed.map((i) => i.failureReason))].join('; ')
    const failureReason = failed.length > 0 ? `${failed.length} of ${images.length} images failed: ${reasons}`.slice(0, 500) : null
    const { count } = await tx.scanJob.updateMany({ where: { id: jobId, status: 'processing' }, data: { status, failureReason, finishedAt: new Date() } })
    if (count === 1) await writeAudit(tx, audit(status === 'stored' ? 'scan.stored' : 'scan.failed', 'scan_job', jobId, { stored, failed: failed.length }))
  })
  await clearQuarantine(deps, jobId)
}

/** Removes what is left under the job's quarantine prefix (an attempt that died before cleaning up). */
export async function clearQuarantine(deps: ScanDeps, jobId: string): Promise<void> {
  const left = await deps.store.listKeys(quarantinePrefix(jobId))
  if (left.length > 0) await deps.store.deleteKeys(left)
}
