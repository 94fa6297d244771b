import { drainDeletions, isUniqueViolation, recordUploadIntent, withTx, writeAudit, type Database } from '@printforge/db'
import { AppError } from '@printforge/errors'
import { quarantinePrefix, type ObjectStore } from '@printforge/storage'
import type { IngestedUpload } from '../lib/upload/ingest.js'
import type { Principal } from '../lib/principal.js'
import { remember, replayFor, type StoredResponse } from './idempotency.js'
import { lockQuota, quotaOf } from './quota.service.js'
import type { RequestMeta } from './scan-jobs.service.js'

/** Longer than any upload may take (server.ts: requestTimeout 15 min). */
const UPLOAD_INTENT_DUE_MS = 30 * 60_000

export interface CreatedJob {
  id: string
  status: 'queued'
  imageCount: number
  createdAt: string
}

/**
 * Commits an ingested upload: quota (under a per-customer lock), the job and image rows, the
 * idempotency record and the audit rows, in one transaction. Returns the answer to send;
 * `created` is false when an earlier request with the same Idempotency-Key is replayed.
 */
export function createScanUploadService(deps: { db: Database; store: ObjectStore; defaultQuota: number }) {
  const { db, store } = deps

  async function commit(p: Principal, jobId: string, upload: IngestedUpload, key: string | undefined, meta: RequestMeta) {
    const title = upload.title?.trim() ?? ''
    if (title.length < 1 || title.length > 120) throw new AppError('VALIDATION_FAILED', 'title must be 1–120 characters.')
    if ((upload.notes?.length ?? 0) > 2_000) throw new AppError('VALIDATION_FAILED', 'notes must be at most 2,000 characters.')
    if (upload.images.length === 0) throw new AppError('VALIDATION_FAILED', 'At least one image is required in "images".')

    return withTx(db.prisma, { actorId: p.actorId, role: 'customer' }, async (tx) => {
      if (key) {
        const replay = await replayFor(tx, p.actorId, key, upload.requestHash)
        if (replay) return { created: false, response: replay }
      }
      await lockQuota(tx, p.actorId)
      const quota = await quotaOf(tx, p.actorId, deps.defaultQuota)
      if (quota.remaining <= 0) throw new AppError('QUOTA_EXCEEDED', `Monthly quota of ${quota.monthlyLimit} jobs reached.`)
      const job = await tx.scanJob.create({
        data: {
          id: jobId,
          customerId: p.actorId,
          title,
          notes: upload.notes ?? null,
          imageCount: upload.images.length,
          images: {
            createMany: {
              data: upload.images.map((i) => ({
                id: i.id,
                customerId: p.actorId,
                originalFilename: i.originalFilename,
                contentType: i.contentType,
                bytes: i.bytes,
                width: i.width,
                height: i.height,
                sha256: i.sha256,
                quarantineKey: i.quarantineKey,
              })),
            },
          },
        },
        select: { id: true, createdAt: true, imageCount: true },
      })
      const response: StoredResponse = {
        statusCode: 202,
        body: { job: { id: job.id, status: 'queued', imageCount: job.imageCount, createdAt: job.createdAt.toISOString() } },
      }
      if (key) await remember(tx, p.actorId, key, upload.requestHash, response)
      // Audit rows last: the chain-head lock is then held only until the commit.
      await writeAudit(tx, { actorType: 'customer', actorId: p.actorId, action: 'job.created', targetType: 'scan_job', targetId: job.id, ...meta, details: { imageCount: job.imageCount } })
      for (const image of upload.images) {
        await writeAudit(tx, {
          actorType: 'customer',
          actorId: p.actorId,
          action: 'file.uploaded',
          targetType: 'scan_image',
          targetId: image.id,
          ...meta,
          details: { jobId: job.id, bytes: image.bytes, sha256: image.sha256, contentType: image.contentType },
        })
      }
      return { created: true, response }
    })
  }

  return {
    /**
     * Before the body is read: 403 when the quota is spent; else records the upload's intent in
     * the deletion outbox (due after any upload could have ended: the request timeout is 15 min).
     */
    async begin(p: Principal, jobId: string) {
      await withTx(db.prisma, { actorId: p.actorId, role: 'customer' }, async (tx) => {
        const quota = await quotaOf(tx, p.actorId, deps.defaultQuota)
        if (quota.remaining <= 0) throw new AppError('QUOTA_EXCEEDED', `Monthly quota of ${quota.monthlyLimit} jobs reached.`)
        await recordUploadIntent(tx, quarantinePrefix(jobId), jobId, UPLOAD_INTENT_DUE_MS)
      })
    },

    /**
     * The upload will not become a job (refused, or an idempotent replay): its intent is settled
     * now — whatever it stored is removed and the outbox row goes — so a refused request leaves
     * no trace. If storage fails meanwhile, the row stays and the worker's sweep finishes the job.
     */
    async abandon(jobId: string) {
      await drainDeletions(db.prisma, store, { keys: [quarantinePrefix(jobId)] })
    },

    /**
     * Commits, or on any failure deletes the objects the upload stored: nothing of a refused
     * request stays in quarantine. A concurrent twin with the same key loses the unique race and
     * replays the winner's answer.
     */
    async create(p: Principal, jobId: string, upload: IngestedUpload, key: string | undefined, meta: RequestMeta) {
      try {
        const result = await commit(p, jobId, upload, key, meta)
        if (!result.created) await store.deleteKeys(upload.storedKeys)
        return result
      } catch (err) {
        await store.deleteKeys(upload.storedKeys).catch(() => {})
        if (key && isUniqueViolation(err)) {
          const replay = await withTx(db.prisma, { actorId: p.actorId, role: 'customer' }, (tx) => replayFor(tx, p.actorId, key, upload.requestHash))
          if (replay) return { created: false, response: replay }
        }
        throw err
      }
    },
  }
}

export type ScanUploadService = ReturnType<typeof createScanUploadService>
