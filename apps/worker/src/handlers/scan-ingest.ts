// scan.ingest (PRODUCT §6): each quarantined upload is decoded, stripped of all metadata,
// re-encoded, hashed and stored under scans/<customer>/<job>/<image>.<ext>; then its quarantine
// object goes. A bad image fails alone. Idempotent: stored images are skipped on a re-run, object
// keys are deterministic (a re-put overwrites, never duplicates), row updates are conditional.
import type { Readable } from 'node:stream'
import { SYSTEM_CONTEXT, withTx, writeAudit, type Db } from '@printforge/db'
import type { Logger } from '@printforge/logger'
import { quarantinePrefix, scanKey, type ObjectStore } from '@printforge/storage'
import type { Handler } from '../processor.js'
import { ImageRejected, reencode } from '../scans/reencode.js'

export interface ScanDeps {
  db: Db
  store: ObjectStore
  log: Logger
}

/** Far above the API's 10 MiB per file: only a tampered quarantine object gets here. */
const MAX_QUARANTINE_BYTES = 32 * 1024 * 1024

interface Job {
  id: string
  customerId: string
}
interface Image {
  id: string
  quarantineKey: string
}

export function createScanIngest(deps: ScanDeps): Handler<'scan.ingest'> {
  return async ({ scanJobId }, ctx) => {
    const job = await withTx(deps.db, SYSTEM_CONTEXT, (tx) =>
      tx.scanJob.findUnique({
        where: { id: scanJobId },
        select: { id: true, customerId: true, status: true, images: { select: { id: true, status: true, quarantineKey: true }, orderBy: { id: 'asc' } } },
      }),
    )
    if (!job || job.status === 'cancelled') return
    if (job.status === 'stored' || job.status === 'failed') {
      // Finished by an attempt that died before clearing quarantine: only the clean-up is left.
      return clearQuarantine(deps, job.id)
    }
    await withTx(deps.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.updateMany({ where: { id: job.id, status: 'queued' }, data: { status: 'processing' } }))
    for (const image of job.images) {
      if (image.status !== 'quarantined') continue
      if (ctx.signal.aborted) throw ctx.signal.reason
      if (await cancelled(deps.db, job.id)) return
      await ingestImage(deps, job, image)
    }
    await finish(deps, job.id)
  }
}

async function ingestImage(deps: ScanDeps, job: Job, image: Image): Promise<void> {
  let input: Buffer
  try {
    input = await readAll(await deps.store.getStream(image.quarantineKey))
  } catch (err) {
    if (err instanceof ImageRejected) return failImage(deps, job, image, err.message)
    if (!isMissing(err)) throw err
    return failImage(deps, job, image, 'the upload is missing from quarantine')
  }
  let out
  try {
    out = await reencode(input)
  } catch (err) {
    if (!(err instanceof ImageRejected)) throw err
    return failImage(deps, job, image, err.message)
  }
  const storageKey = scanKey(job.customerId, job.id, image.id, out.ext)
  await deps.store.putBuffer(storageKey, out.data, out.contentType, out.sha256)
  await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
    const { count } = await tx.scanImage.updateMany({
      where: { id: image.id, status: 'quarantined' },
      data: { status: 'stored', storageKey, sha256: out.sha256, bytes: out.data.length, width: out.width, height: out.height, failureReason: null },
    })
    if (count === 1) {
      await writeAudit(tx, {
        actorType: 'system', actorId: 'system', action: 'scan.stored', targetType: 'scan_image', targetId: image.id,
        details: { jobId: job.id, bytes: out.data.length, sha256: out.sha256 },
      })
    }
  })
  // After the commit: a crash before this leaves a quarantine object that finish() removes.
  await deps.store.deleteKeys([image.quarantineKey])
}

async function failImage(deps: ScanDeps, job: Job, image: Image, reason: string): Promise<void> {
  deps.log.info({ scanJobId: job.id, imageId: image.id, reason }, 'image rejected')
  await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
    const { count } = await tx.scanImage.updateMany({ where: { id: image.id, status: 'quarantined' }, data: { status: 'failed', failureReason: reason.slice(0, 500) } })
    if (count === 1) {
      await writeAudit(tx, { actorType: 'system', actorId: 'system', action: 'scan.failed', targetType: 'scan_image', targetId: image.id, details: { jobId: job.id, reason } })
    }
  })
  // Hostile or broken bytes are not kept; the row keeps the reason.
  await deps.store.deleteKeys([image.quarantineKey])
}

/** The job ends `stored` when any image was stored, else `failed`, with a summary of failures. */
async function finish(deps: ScanDeps, jobId: string): Promise<void> {
  await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
    const images = await tx.scanImage.findMany({ where: { jobId }, select: { status: true, failureReason: true } })
    if (images.some((i) => i.status === 'quarantined')) throw new Error('images left in quarantine; retrying')
    const stored = images.filter((i) => i.status === 'stored').length
    const failed = images.filter((i) => i.status === 'failed')
    const status = stored > 0 ? 'stored' : 'failed'
    const reasons = [...new Set(failed.map((i) => i.failureReason))].join('; ')
    const failureReason = failed.length > 0 ? `${failed.length} of ${images.length} images failed: ${reasons}`.slice(0, 500) : null
    const { count } = await tx.scanJob.updateMany({ where: { id: jobId, status: 'processing' }, data: { status, failureReason, finishedAt: new Date() } })
    if (count === 1) {
      await writeAudit(tx, {
        actorType: 'system', actorId: 'system', action: status === 'stored' ? 'scan.stored' : 'scan.failed', targetType: 'scan_job', targetId: jobId,
        details: { stored, failed: failed.length },
      })
    }
  })
  await clearQuarantine(deps, jobId)
}

async function clearQuarantine(deps: ScanDeps, jobId: string): Promise<void> {
  const left = await deps.store.listKeys(quarantinePrefix(jobId))
  if (left.length > 0) await deps.store.deleteKeys(left)
}

async function cancelled(db: Db, jobId: string): Promise<boolean> {
  const row = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.scanJob.findUnique({ where: { id: jobId }, select: { status: true } }))
  return !row || row.status === 'cancelled'
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of stream) {
    total += (chunk as Buffer).length
    if (total > MAX_QUARANTINE_BYTES) {
      stream.destroy()
      throw new ImageRejected('quarantined object is larger than any accepted upload')
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404
}
