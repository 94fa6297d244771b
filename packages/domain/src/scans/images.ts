// A scan image's moves in the worker: quarantined → stored | failed. The write of a stored image
// holds two row locks so that a customer's delete or cancel can never leave an object behind:
// - the job row FOR KEY SHARE: a DELETE of the job (FOR UPDATE) waits until this image is
//   committed, and the delete's outbox then removes it; a job deleted first is seen as gone and
//   nothing is written. A cancel (NO KEY UPDATE) does not wait.
// - the image row FOR UPDATE: a cancel deleting the job's quarantined images waits, then finds
//   this one stored and leaves it.
import { writeAudit, type Tx } from '@printforge/db'
import { SYSTEM_ACTOR } from '../actor.js'
import { systemMeta } from '../correlation.js'
import { IMAGE_PENDING, SCAN_BUSY, type ImageStatus, type ScanStatus } from './states.js'

/** 'gone': the job left `processing` (cancelled, deleted); 'done': another attempt finished the image. */
export async function lockImageForStore(tx: Tx, jobId: string, imageId: string): Promise<'locked' | 'gone' | 'done'> {
  const [job] = await tx.$queryRaw<{ status: ScanStatus }[]>`SELECT status FROM scan_jobs WHERE id = ${jobId}::uuid FOR KEY SHARE`
  if (job?.status !== SCAN_BUSY) return 'gone'
  const [image] = await tx.$queryRaw<{ status: ImageStatus }[]>`SELECT status FROM scan_images WHERE id = ${imageId}::uuid FOR UPDATE`
  // Deleted with a cancel (which the job's status above would show), or finished by another attempt.
  if (!image) return 'gone'
  return image.status === IMAGE_PENDING ? 'locked' : 'done'
}

/** After lockImageForStore said 'locked' and the object is written. */
export async function markImageStored(
  tx: Tx,
  jobId: string,
  imageId: string,
  stored: { storageKey: string; sha256: string; bytes: number; width: number; height: number },
): Promise<void> {
  await tx.scanImage.update({ where: { id: imageId }, data: { ...stored, status: 'stored', failureReason: null }, select: { id: true } })
  await writeAudit(tx, { ...SYSTEM_ACTOR, ...(await systemMeta(tx, 'scan_job', jobId)), action: 'scan.stored', targetType: 'scan_image', targetId: imageId, details: { jobId, bytes: stored.bytes, sha256: stored.sha256 } })
}

/** quarantined → failed with the reason, audited; false when another attempt got there first. */
export async function failImage(tx: Tx, jobId: string, imageId: string, reason: string): Promise<boolean> {
  const { count } = await tx.scanImage.updateMany({ where: { id: imageId, status: IMAGE_PENDING }, data: { status: 'failed', failureReason: reason.slice(0, 500) } })
  if (count === 1) await writeAudit(tx, { ...SYSTEM_ACTOR, ...(await systemMeta(tx, 'scan_job', jobId)), action: 'scan.failed', targetType: 'scan_image', targetId: imageId, details: { jobId, reason } })
  return count === 1
}

export const isPendingImage = (status: ImageStatus) => status === IMAGE_PENDING
