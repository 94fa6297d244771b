import { withTx, type Database, type Tx } from '@printforge/db'
import { dbContextOf, type Principal } from '../lib/principal.js'

/** Rows per read: each batch is its own short transaction, so memory and lock time stay bounded. */
export const EXPORT_BATCH = 200

const IMAGE_FIELDS = {
  id: true,
  originalFilename: true,
  contentType: true,
  bytes: true,
  width: true,
  height: true,
  sha256: true,
  status: true,
  failureReason: true,
  createdAt: true,
} as const
const AUDIT_FIELDS = { id: true, at: true, action: true, targetType: true, targetId: true, ip: true, userAgent: true, details: true } as const

/** Where the previous batch of jobs ended: (createdAt, id) is unique and matches the index order. */
export interface JobCursor {
  createdAt: Date
  id: string
}

/** The caller's data, read in keyset-paginated batches under the caller's own RLS context. */
export interface ExportReader {
  /** Up to `limit` jobs (with their images) after `after`, oldest first; JSON-ready. */
  jobs(after: JobCursor | null, limit: number): Promise<{ cursor: JobCursor; json: object }[]>
  /** Up to `limit` audit rows of the caller's own actions with after < id ≤ through, by id. */
  audit(after: bigint, through: bigint, limit: number): Promise<{ id: bigint; json: object }[]>
}

export function createExportReader(db: Pick<Database, 'prisma'>, p: Principal): ExportReader {
  const context = dbContextOf(p)
  // Each batch is its own short transaction under the caller's context: no transaction stays open
  // while the client is slow to read.
  const read = <T>(fn: (tx: Tx) => Promise<T>) => withTx(db.prisma, context, fn, { timeoutMs: 10_000 })
  return {
    async jobs(after, limit) {
      // Only customers own jobs; the where clause repeats the tenant on top of RLS.
      if (p.actorType !== 'customer') return []
      const rows = await read((tx) =>
        tx.scanJob.findMany({
          where: {
            customerId: p.actorId,
            ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}),
          },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: limit,
          include: { images: { select: IMAGE_FIELDS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
        }),
      )
      return rows.map((j) => ({
        cursor: { createdAt: j.createdAt, id: j.id },
        json: {
          ...j,
          createdAt: j.createdAt.toISOString(),
          updatedAt: j.updatedAt.toISOString(),
          finishedAt: j.finishedAt?.toISOString() ?? null,
          images: j.images.map((i) => ({ ...i, createdAt: i.createdAt.toISOString() })),
        },
      }))
    },
    async audit(after, through, limit) {
      const rows = await read((tx) =>
        tx.auditLog.findMany({
          where: { actorId: p.actorId, actorType: p.actorType, id: { gt: after, lte: through } },
          orderBy: { id: 'asc' },
          take: limit,
          select: AUDIT_FIELDS,
        }),
      )
      return rows.map((a) => ({ id: a.id, json: { ...a, id: a.id.toString(), at: a.at.toISOString() } }))
    },
  }
}

/** The document's fields that are known before any batch is read. */
export interface ExportHead {
  exportedAt: string
  identity: { actorType: 'customer' | 'user'; actorId: string; role: string; groups: Array<{ id: string; name: string; role: string }> }
  quota: object | null
  /** Audit rows with an id up to this one are exported: the rows that existed when the export began. */
  auditThrough: bigint
}

/**
 * The export document (`{ exportedAt, identity, quota, jobs: [...], auditTrail: [...] }`, the shape
 * GET /me/export always had) as JSON text, one chunk per batch. A batch is read only when the
 * consumer asks for more, so memory is bounded by a batch whatever the caller's history; when the
 * consumer stops (the client went away and the stream was destroyed) no further batch is read.
 * Batches are separate transactions, so the document is not one snapshot: a job appears as it was
 * when its batch was read. A batch that fails aborts the response, which then never parses.
 */
export async function* exportDocument(head: ExportHead, reader: ExportReader, batch = EXPORT_BATCH): AsyncGenerator<string> {
  const { exportedAt, identity, quota } = head
  yield `${JSON.stringify({ exportedAt, identity, quota }).slice(0, -1)},"jobs":[`
  let first = true
  const items = (rows: { json: object }[]) => {
    const text = rows.map((r) => JSON.stringify(r.json)).join(',')
    const chunk = first ? text : `,${text}`
    first = false
    return chunk
  }
  for (let after: JobCursor | null = null; ;) {
    const rows = await reader.jobs(after, batch)
    if (rows.length > 0) yield items(rows)
    if (rows.length < batch) break
    after = rows[rows.length - 1]!.cursor
  }
  yield '],"auditTrail":['
  first = true
  for (let after = 0n; ;) {
    const rows = await reader.audit(after, head.auditThrough, batch)
    if (rows.length > 0) yield items(rows)
    if (rows.length < batch) break
    after = rows[rows.length - 1]!.id
  }
  yield ']}'
}
