import { drainDeletions, hotRead, withTx, writeAudit, type Database, type Tx } from '@printforge/db'
import { cancelScanJob, deleteScanJob, isImageStored } from '@printforge/domain'
import { AppError } from '@printforge/errors'
import type { ObjectStore } from '@printforge/storage'
import type { Static } from 'typebox'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import type { JobDetail } from '../schemas/jobs.js'
import { auditActor, dbContextOf, isStaff, type Principal } from '../lib/principal.js'

import type { Log, RequestMeta } from './types.js'

/** The API's view of a job (docs/product.md §4.2), typed from its response schema. */
export type JobView = Static<typeof JobDetail>
type JobImageView = JobView['images'][number]

/**
 * Staff reads run the detail query (the plpgsql function scan_job_detail, migration
 * 20261202080000_hot_reads: its one home) inside their audited transaction.
 */
const DETAIL_SQL = 'SELECT * FROM public.scan_job_detail($1::uuid, $2)'

interface DetailRow {
  id: string
  customer_id: string
  title: string
  notes: string | null
  status: JobView['status']
  image_count: number
  failure_reason: string | null
  created_at: Date
  updated_at: Date
  images: JobImageView[]
}

const toView = (r: DetailRow): JobView => ({
  id: r.id,
  customerId: r.customer_id,
  title: r.title,
  notes: r.notes,
  status: r.status,
  imageCount: r.image_count,
  failureReason: r.failure_reason,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  images: r.images,
})

/** The tenant filter a customer's queries carry on top of RLS (defence in depth). */
const ownerFilter = (p: Principal) => (p.actorType === 'customer' ? p.actorId : null)

export function createScanJobService(deps: { db: Pick<Database, 'prisma' | 'pool'>; store: Pick<ObjectStore, 'deleteKeys' | 'listKeys' | 'presignGet'> }) {
  const { db, store } = deps

  /** Staff (or an API key) reading customer data leaves a trace (docs/product.md §5.3 admin.access). */
  const auditStaffRead = (tx: Tx, p: Principal, meta: RequestMeta, targetId: string | undefined, details: Record<string, unknown>) =>
    writeAudit(tx, { ...auditActor(p), action: 'admin.access', targetType: 'scan_job', targetId, ...meta, details })

  /**
   * Removes just-recorded objects right after the answer, so a slow or unreachable storage never
   * holds the request: the outbox row already guarantees them, and the worker's sweep retries.
   */
  const draining = new Set<Promise<void>>()
  function drainSoon(keys: string[], jobId: string, log: Log) {
    const run: Promise<void> = drainDeletions(db.prisma, store, { keys })
      .then(({ failed }) => {
        if (failed > 0) log.warn({ jobId }, 'objects of a deleted or cancelled job could not be removed yet; the worker retries')
      })
      .catch((err: unknown) => log.warn({ jobId, err }, 'deletion outbox drain failed; the worker retries'))
      .finally(() => draining.delete(run))
    draining.add(run)
  }

  return {
    /**
     * The hot read path (docs/product.md §10): customers read through one prepared statement (the
     * function sets their RLS context and read-only mode, packages/db/src/hot-reads.ts); staff reads
     * go through Prisma because they also append an audit row. So do API keys (jobs:read, which
     * RLS checks on the key's own row): a machine reading a customer's job is audited like staff.
     */
    async get(p: Principal, id: string, meta: RequestMeta): Promise<JobView> {
      const row = isStaff(p) || p.actorType === 'api_key'
        ? await withTx(db.prisma, dbContextOf(p), async (tx) => {
            const [found] = await tx.$queryRawUnsafe<DetailRow[]>(DETAIL_SQL, id, null)
            if (found) await auditStaffRead(tx, p, meta, id, { customerId: found.customer_id })
            return found
          })
        : (await hotRead<DetailRow>(db.pool, dbContextOf(p), 'scanJobDetail', [id, ownerFilter(p)]))[0]
      if (!row) throw new AppError('NOT_FOUND', 'Job not found.')
      return toView(row)
    },

    async list(p: Principal, query: { cursor?: string; limit: number; customerId?: string }, meta: RequestMeta) {
      if (!isStaff(p) && query.customerId !== undefined && query.customerId !== p.actorId) {
        // Asking for another tenant's list answers like an empty one would: nothing to confirm.
        return { items: [], nextCursor: null }
      }
      const after = decodeCursor(query.cursor, ['timestamp', 'uuid'])
      const customerId = isStaff(p) ? query.customerId : p.actorId
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const rows = await tx.scanJob.findMany({
          where: {
            ...(customerId ? { customerId } : {}),
            ...(after ? { OR: [{ createdAt: { lt: after[0] } }, { createdAt: after[0], id: { lt: after[1] } }] } : {}),
          },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: query.limit + 1,
          select: { id: true, customerId: true, title: true, status: true, imageCount: true, createdAt: true, updatedAt: true },
        })
        const page = rows.slice(0, query.limit)
        if (isStaff(p)) await auditStaffRead(tx, p, meta, undefined, { list: 'scan_jobs', customerId: customerId ?? null, count: page.length })
        const last = page.at(-1)
        return {
          items: page.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() })),
          nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
        }
      })
    },

    /** queued/processing → cancelled (packages/domain); its uploads not yet stored are removed after the commit. */
    async cancel(p: Principal, id: string, meta: RequestMeta, log: Log) {
      const { status, removeKeys } = await withTx(db.prisma, dbContextOf(p), (tx) => cancelScanJob(tx, id, ownerFilter(p), auditActor(p), meta))
      drainSoon(removeKeys, id, log)
      return { id, status }
    },

    /** Deletes the customer's job and its images (the audit trail stays); its objects go after the commit. */
    async remove(p: Principal, id: string, meta: RequestMeta, log: Log) {
      const keys = await withTx(db.prisma, dbContextOf(p), (tx) => deleteScanJob(tx, id, p.actorId, meta))
      drainSoon(keys, id, log)
    },

    /** Resolves once the drains started by earlier requests have finished (server shutdown). */
    async idle() {
      await Promise.all(draining)
    },

    async imageUrl(p: Principal, jobId: string, imageId: string, meta: RequestMeta) {
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const image = await tx.scanImage.findFirst({
          where: { id: imageId, jobId, ...(ownerFilter(p) ? { customerId: p.actorId } : {}) },
          select: { status: true, storageKey: true, originalFilename: true, customerId: true },
        })
        if (!image) throw new AppError('NOT_FOUND', 'Image not found.')
        if (!isImageStored(image.status) || !image.storageKey) throw new AppError('CONFLICT', 'The image is not stored yet.')
        const expiresIn = 300
        const url = await store.presignGet(image.storageKey, expiresIn, image.originalFilename)
        await writeAudit(tx, {
          ...auditActor(p),
          action: 'file.downloaded',
          targetType: 'scan_image',
          targetId: imageId,
          ...meta,
          details: { jobId, ...(isStaff(p) ? { customerId: image.customerId } : {}) },
        })
        return { url, expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString() }
      })
    },
  }
}

export type ScanJobService = ReturnType<typeof createScanJobService>
