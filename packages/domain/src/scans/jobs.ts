// Scan jobs' repository: the customer's create, cancel and delete (API), and the worker's moves.
// Every function runs in the caller's transaction; objects to remove go through the deletion
// outbox in that same transaction, so a crash between the commit and the removal loses nothing.
import { recordDeletions, writeAudit, type Prisma, type Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'
import { quarantinePrefix, scanPrefix } from '@printforge/storage'
import { SYSTEM_ACTOR, type Actor, type RequestMeta } from '../actor.js'
import { systemMeta } from '../correlation.js'
import { IMAGE_PENDING, SCAN_ACTIVE, SCAN_BUSY, SCAN_CANCELLABLE, SCAN_CANCELLED, type ScanStatus } from './states.js'
import { moveScanJob } from './transition.js'
import { emitScanFinished } from '../webhooks/emitters.js'

export interface NewScanImage {
  id: string
  originalFilename: string
  contentType: string
  bytes: number
  width: number
  height: number
  sha256: string
  quarantineKey: string
}

/** A new `queued` job with its quarantined images, and its audit rows (last: the chain-head lock is then held only until the commit). */
export async function createScanJob(
  tx: Tx,
  job: { id: string; customerId: string; title: string; notes: string | null; images: NewScanImage[] },
  meta: RequestMeta,
) {
  const by: Actor = { actorType: 'customer', actorId: job.customerId }
  const row = await tx.scanJob.create({
    data: {
      id: job.id, customerId: job.customerId, title: job.title, notes: job.notes, imageCount: job.images.length,
      images: { createMany: { data: job.images.map((i) => ({ ...i, customerId: job.customerId })) } },
    },
    select: { id: true, status: true, createdAt: true, imageCount: true },
  })
  await writeAudit(tx, { ...by, ...meta, action: 'job.created', targetType: 'scan_job', targetId: row.id, details: { imageCount: row.imageCount } })
  for (const image of job.images) {
    await writeAudit(tx, {
      ...by, ...meta, action: 'file.uploaded', targetType: 'scan_image', targetId: image.id,
      details: { jobId: row.id, bytes: image.bytes, sha256: image.sha256, contentType: image.contentType },
    })
  }
  return row
}

/**
 * queued/processing → cancelled. Uploads the worker has not stored yet go with it: their image
 * rows now, their quarantine objects through the deletion outbox. The row lock (NO KEY UPDATE)
 * orders this against a worker finishing the job; an image the worker is storing right now is
 * locked by it, so it ends either stored or removed, never half. `owner`: a customer's own id
 * (a tenant filter on top of RLS), null for staff. Returns the keys to remove after the commit.
 */
export async function cancelScanJob(tx: Tx, id: string, owner: string | null, by: Actor, meta: RequestMeta): Promise<{ status: typeof SCAN_CANCELLED; removeKeys: string[] }> {
  const [job] = await tx.$queryRaw<{ status: ScanStatus }[]>`
    SELECT status FROM scan_jobs WHERE id = ${id}::uuid AND (${owner}::text IS NULL OR customer_id = ${owner}) FOR NO KEY UPDATE`
  if (!job) throw new AppError('NOT_FOUND', 'Job not found.')
  if (!SCAN_CANCELLABLE.includes(job.status)) throw new AppError('CONFLICT', `A ${job.status} job cannot be cancelled.`)
  await moveScanJob(tx, id, [job.status], SCAN_CANCELLED, { finishedAt: new Date() })
  const uploadsRemoved = await discardPendingUploads(tx, id)
  await writeAudit(tx, { ...by, ...meta, action: 'job.cancelled', targetType: 'scan_job', targetId: id, details: { from: job.status, uploadsRemoved } })
  return { status: SCAN_CANCELLED, removeKeys: [quarantinePrefix(id)] }
}

/**
 * Deletes the customer's job and its images; the audit trail stays. Every object it ever had is
 * recorded in the deletion outbox. FOR UPDATE waits for a worker storing one of its images (it
 * holds a KEY SHARE lock on the row while it writes), so no object is written after the delete
 * commits. Returns the keys to remove after the commit.
 */
export async function deleteScanJob(tx: Tx, id: string, customerId: string, meta: RequestMeta): Promise<string[]> {
  const [job] = await tx.$queryRaw<{ status: ScanStatus; customer_id: string }[]>`
    SELECT status, customer_id FROM scan_jobs WHERE id = ${id}::uuid AND customer_id = ${customerId} FOR UPDATE`
  if (!job) throw new AppError('NOT_FOUND', 'Job not found.')
  if (job.status === SCAN_BUSY) throw new AppError('CONFLICT', 'The job is being processed; cancel it first.')
  const imageCount = await tx.scanImage.count({ where: { jobId: id } })
  await tx.scanJob.delete({ where: { id } })
  const keys = [quarantinePrefix(id), scanPrefix(job.customer_id, id)]
  await recordDeletions(tx, keys, 'job.deleted')
  await writeAudit(tx, {
    actorType: 'customer', actorId: customerId, ...meta, action: 'job.deleted', targetType: 'scan_job', targetId: id,
    details: { imageCount, status: job.status },
  })
  return keys
}

/** Quarantined image rows go now, their objects through the outbox. Returns how many rows went. */
export async function discardPendingUploads(tx: Tx, jobId: string): Promise<number> {
  const { count } = await tx.scanImage.deleteMany({ where: { jobId, status: IMAGE_PENDING } })
  await recordDeletions(tx, [quarantinePrefix(jobId)], 'job.cancelled')
  return count
}

const INGEST_SELECT = {
  id: true, customerId: true, status: true, images: { select: { id: true, status: true, quarantineKey: true }, orderBy: { id: 'asc' } },
} satisfies Prisma.ScanJobSelect
export type IngestJob = Prisma.ScanJobGetPayload<{ select: typeof INGEST_SELECT }>

/** What the ingest handler needs of a job. */
export async function loadScanJobForIngest(tx: Tx, id: string): Promise<IngestJob | null> {
  return tx.scanJob.findUnique({ where: { id }, select: INGEST_SELECT })
}

export async function scanStatusOf(tx: Tx, id: string): Promise<ScanStatus | null> {
  return (await tx.scanJob.findUnique({ where: { id }, select: { status: true } }))?.status ?? null
}

/**
 * queued → processing. True when this attempt may work on the job: it moved it, or an earlier
 * attempt did (a retry). False when the job was cancelled or deleted meanwhile.
 */
export async function startScanProcessing(tx: Tx, id: string): Promise<boolean> {
  if (await moveScanJob(tx, id, ['queued'], SCAN_BUSY)) return true
  return (await scanStatusOf(tx, id)) === SCAN_BUSY
}

/**
 * The job cannot be ingested however often it is retried: it ends `failed` with the reason, its
 * unprocessed images fail with it, and their uploads are recorded for removal. False when it had
 * already moved on.
 */
export async function giveUpScanJob(tx: Tx, id: string, reason: string): Promise<boolean> {
  const failureReason = `Processing failed repeatedly; gave up: ${reason}`.slice(0, 500)
  if (!(await moveScanJob(tx, id, SCAN_ACTIVE, 'failed', { failureReason, finishedAt: new Date() }))) return false
  await tx.scanImage.updateMany({ where: { jobId: id, status: IMAGE_PENDING }, data: { status: 'failed', failureReason: 'not processed: the job gave up' } })
  await recordDeletions(tx, [quarantinePrefix(id)], 'scan.failed')
  await emitScanFinished(tx, id)
  await writeAudit(tx, { ...SYSTEM_ACTOR, ...(await systemMeta(tx, 'scan_job', id)), action: 'scan.failed', targetType: 'scan_job', targetId: id, details: { reason: failureReason } })
  return true
}

/** processing → stored when any image was stored, else failed, with a summary of failures. Throws while images wait. */
export async function finishScanJob(tx: Tx, id: string): Promise<void> {
  const images = await tx.scanImage.findMany({ where: { jobId: id }, select: { status: true, failureReason: true } })
  if (images.some((i) => i.status === IMAGE_PENDING)) throw new Error('images left in quarantine; retrying')
  const stored = images.filter((i) => i.status === 'stored').length
  const failed = images.filter((i) => i.status === 'failed')
  const status: ScanStatus = stored > 0 ? 'stored' : 'failed'
  const reasons = [...new Set(failed.map((i) => i.failureReason))].join('; ')
  const failureReason = failed.length > 0 ? `${failed.length} of ${images.length} images failed: ${reasons}`.slice(0, 500) : null
  if (await moveScanJob(tx, id, [SCAN_BUSY], status, { failureReason, finishedAt: new Date() })) {
    await emitScanFinished(tx, id)
    await writeAudit(tx, { ...SYSTEM_ACTOR, ...(await systemMeta(tx, 'scan_job', id)), action: status === 'stored' ? 'scan.stored' : 'scan.failed', targetType: 'scan_job', targetId: id, details: { stored, failed: failed.length } })
  }
}

/** Rows the sweeper checks for a live ingest job. */
export async function scanJobsAwaitingIngest(tx: Tx, updatedBefore: Date, take: number): Promise<{ id: string; requeues: number }[]> {
  return tx.scanJob.findMany({ where: { status: { in: [...SCAN_ACTIVE] }, updatedAt: { lt: updatedBefore } }, select: { id: true, requeues: true }, take })
}

export async function countScanRequeue(tx: Tx, id: string): Promise<void> {
  await tx.scanJob.updateMany({ where: { id }, data: { requeues: { increment: 1 } } })
}

/** Stored and failed scan jobs since `since` (dashboard). */
export async function scanOutcomesSince(tx: Tx, since: Date) {
  const [stored, failed] = await Promise.all([
    tx.scanJob.count({ where: { status: 'stored', finishedAt: { gte: since } } }),
    tx.scanJob.count({ where: { status: 'failed', finishedAt: { gte: since } } }),
  ])
  return { stored, failed }
}
