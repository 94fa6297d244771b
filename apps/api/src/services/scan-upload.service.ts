import { randomUUID } from 'node:crypto'
import { drainDeletions, recordUploadIntent, withTx, type Database, type Tx } from '@printforge/db'
import { createIdempotently, createScanJob, hasIdempotencyKey } from '@printforge/domain'
import { AppError } from '@printforge/errors'
import { withRequestId } from '@printforge/jobs'
import { quarantinePrefix, type WatchedStore } from '@printforge/storage'
import type { IngestedUpload } from '../lib/upload/ingest.js'
import type { Principal } from '../lib/principal.js'
import { lockQuota, quotaOf } from './quota.service.js'
import type { EnqueueAfterCommit, Log, RequestMeta } from './types.js'

/** Longer than any upload may take (server.ts: requestTimeout 15 min). */
const UPLOAD_INTENT_DUE_MS = 30 * 60_000

export interface ScanUploadRequest {
  /** Idempotency-Key, validated. */
  key: string | undefined
  /** Whose upload slots it takes (the principal, or the client address: lib/client-key.ts). */
  slotKey: string
  /** Reads and validates the body, storing each file under the job's quarantine prefix unless told not to. */
  read(jobId: string, options: { storeObjects: boolean }): Promise<IngestedUpload>
}

export interface ScanUploadDeps {
  db: Pick<Database, 'prisma'>
  /** Removes quarantined objects through the deletion outbox; `health` refuses uploads while it is down. */
  store: Pick<WatchedStore, 'deleteKeys' | 'listKeys' | 'health'>
  /** Takes one of the actor's upload slots (429 when none is free); returns its release. */
  takeSlot(slotKey: string): Promise<() => Promise<void>>
  enqueue: EnqueueAfterCommit
  defaultQuota: number
  log: Log
}

/**
 * POST /jobs/create (docs/product.md §4.2): quota, the upload, the job and its audit rows, the
 * idempotent answer and the ingest job — one flow, in this order:
 * 1. storage known down → 503 before a byte is read; a free upload slot, else 429;
 * 2. quota spent → 403 before the body is read; the upload's intent goes into the deletion
 *    outbox, so its objects cannot outlive a crash of this process;
 * 3. the body streams into quarantine (a replayed request is validated and hashed, not stored);
 * 4. one transaction: quota under a per-customer lock, the rows, the remembered answer, audit;
 * 5. the ingest job after the commit. A refused or replayed upload leaves nothing behind.
 */
export function createScanUploadService(deps: ScanUploadDeps) {
  const { db, store } = deps
  const context = (p: Principal) => ({ actorId: p.actorId, role: 'customer' as const })

  /** Settles the upload's intent: whatever it stored goes now (or, if storage fails, by the worker's sweep). */
  const abandon = (jobId: string) => drainDeletions(db.prisma, store, { keys: [quarantinePrefix(jobId)] })

  /** 403 when this month's quota is spent (checked before the body is read, and again under the lock). */
  async function assertQuotaLeft(tx: Tx, p: Principal) {
    const quota = await quotaOf(tx, p.actorId, deps.defaultQuota)
    if (quota.remaining <= 0) throw new AppError('QUOTA_EXCEEDED', `Monthly quota of ${quota.monthlyLimit} jobs reached.`)
  }

  async function begin(p: Principal, jobId: string) {
    await withTx(db.prisma, context(p), async (tx) => {
      await assertQuotaLeft(tx, p)
      await recordUploadIntent(tx, quarantinePrefix(jobId), jobId, UPLOAD_INTENT_DUE_MS)
    })
  }

  function validate(upload: IngestedUpload) {
    const title = upload.title?.trim() ?? ''
    if (title.length < 1 || title.length > 120) throw new AppError('VALIDATION_FAILED', 'title must be 1–120 characters.')
    if ((upload.notes?.length ?? 0) > 2_000) throw new AppError('VALIDATION_FAILED', 'notes must be at most 2,000 characters.')
    if (upload.images.length === 0) throw new AppError('VALIDATION_FAILED', 'At least one image is required in "images".')
    return title
  }

  function commit(p: Principal, jobId: string, upload: IngestedUpload, key: string | undefined, meta: RequestMeta) {
    const title = validate(upload)
    return createIdempotently(db.prisma, context(p), { actorId: p.actorId, key, requestHash: upload.requestHash }, async (tx) => {
      await lockQuota(tx, p.actorId)
      await assertQuotaLeft(tx, p)
      const job = await createScanJob(tx, { id: jobId, customerId: p.actorId, title, notes: upload.notes ?? null, images: upload.images }, meta)
      const body = { job: { id: job.id, status: job.status, imageCount: job.imageCount, createdAt: job.createdAt.toISOString() } }
      return { response: { statusCode: 202, body }, result: job.id }
    })
  }

  return {
    /** Step 2 alone (tests simulate a process that died mid-upload with it). */
    begin,

    async submit(p: Principal, request: ScanUploadRequest, meta: RequestMeta) {
      // Known down: refuse before reading a byte rather than stream into a failure.
      if (!store.health.up) throw new AppError('UNAVAILABLE', 'File storage is unavailable; retry shortly.')
      const release = await deps.takeSlot(request.slotKey)
      const jobId = randomUUID()
      let begun = false
      try {
        await begin(p, jobId)
        begun = true
        const replaying = request.key ? await hasIdempotencyKey(db.prisma, context(p), p.actorId, request.key) : false
        const upload = await request.read(jobId, { storeObjects: !replaying })
        const outcome = await commit(p, jobId, upload, request.key, meta)
        if (outcome.created) await deps.enqueue('scan.ingest', { scanJobId: jobId, ...withRequestId(meta.requestId) }, jobId)
        else await abandon(jobId)
        return outcome.response
      } catch (err) {
        // Everything the upload stored lies under the job's quarantine prefix: one drain removes it.
        if (begun) await abandon(jobId).catch((e: unknown) => deps.log.warn({ err: e, jobId }, 'refused upload: clean-up left to the worker'))
        throw err
      } finally {
        await release()
      }
    },
  }
}

export type ScanUploadService = ReturnType<typeof createScanUploadService>
