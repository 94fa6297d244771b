import { randomUUID } from 'node:crypto'
import { withTx, writeAudit, type Database, type Prisma, type Tx } from '@printforge/db'
import { approveOrder, planApproval, readOrder, recordOrder, rejectOrder, ORDER_VIEW_INCLUDE, toOrderView, type NewOrder, type OrderStatus } from '@printforge/domain'
import { AppError } from '@printforge/errors'
import { withRequestId } from '@printforge/jobs'
import { modelKey, type WatchedStore } from '@printforge/storage'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import { auditActor, dbContextOf, isStaff, type Principal } from '../lib/principal.js'
import type { EnqueueAfterCommit, RequestMeta } from './types.js'

/** Server-side copies made at once while approving (each is one CopyObject request). */
const COPY_CONCURRENCY = 8

/**
 * Runs `fn` over `items`, `limit` at a time; on a failure takes no new item, waits for those in
 * flight (so a clean-up after it cannot race a copy still landing) and rethrows the first error.
 */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failure: { err: unknown } | undefined
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++] as T
      try {
        await fn(item)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  if (failure) throw failure.err
}

/** The tenant filter a customer's queries carry on top of RLS (defence in depth). */
const ownerFilter = (p: Principal) => (p.actorType === 'customer' ? p.actorId : null)

/**
 * docs/integrations.md "Orders": the shop records orders (API key, orders:write), admins review
 * them, approval turns every line into print jobs from its print file. Customers read their own;
 * staff read all, and each staff read of a customer's order is audited (admin.access).
 */
export function createOrderService(deps: {
  db: Pick<Database, 'prisma'>
  store: Pick<WatchedStore, 'copy' | 'deleteKeys' | 'health'>
  enqueue: EnqueueAfterCommit
}) {
  const { db, store } = deps

  const auditStaffRead = (tx: Tx, p: Principal, meta: RequestMeta, targetId: string | undefined, details: Record<string, unknown>) =>
    writeAudit(tx, { ...auditActor(p), action: 'admin.access', targetType: 'order', targetId, ...meta, details })

  return {
    /** 201 the first time, 200 (replayed) for the same order again; 409 for other content under its externalId. */
    record(p: Principal, order: NewOrder, meta: RequestMeta) {
      return recordOrder(db.prisma, dbContextOf(p), order, auditActor(p), meta)
    },

    async get(p: Principal, id: string, meta: RequestMeta) {
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const order = await readOrder(tx, id, ownerFilter(p))
        if (!order) throw new AppError('NOT_FOUND', 'Order not found.')
        if (isStaff(p)) await auditStaffRead(tx, p, meta, id, { customerId: order.customerId })
        return order
      })
    },

    async list(p: Principal, query: { cursor?: string; limit: number; status?: OrderStatus; externalId?: string }, meta: RequestMeta) {
      const after = decodeCursor(query.cursor, ['timestamp', 'uuid'])
      const customerId = ownerFilter(p)
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const where: Prisma.OrderWhereInput = {
          ...(customerId ? { customerId } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.externalId ? { externalId: query.externalId } : {}),
          ...(after ? { OR: [{ createdAt: { lt: after[0] } }, { createdAt: after[0], id: { lt: after[1] } }] } : {}),
        }
        const rows = await tx.order.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: query.limit + 1, include: ORDER_VIEW_INCLUDE })
        const page = rows.slice(0, query.limit)
        if (isStaff(p)) await auditStaffRead(tx, p, meta, undefined, { list: 'orders', status: query.status ?? null, count: page.length })
        const last = page.at(-1)
        return { items: page.map(toOrderView), nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null }
      })
    },

    /**
     * Plan (every line has a print file, else 409 naming it) → copy each job's model on the server
     * (before the rows exist: the worker never sees a job whose file is missing) → one transaction
     * (order approved, jobs, history, audit, events) → print.dispatch per job after the commit.
     * A refused or failed approval removes the copies it made.
     */
    async approve(p: Principal, id: string, printFiles: Record<string, string>, meta: RequestMeta) {
      const ctx = dbContextOf(p)
      const plan = await withTx(db.prisma, ctx, (tx) => planApproval(tx, id, printFiles))
      if (!store.health.up) throw new AppError('UNAVAILABLE', 'File storage is unavailable; retry shortly.')
      const jobs = plan.flatMap((line) => Array.from({ length: line.item.quantity }, () => ({ itemId: line.item.id, jobId: randomUUID(), from: line.printFile.fileKey })))
      const jobIds: Record<string, string[]> = {}
      for (const j of jobs) (jobIds[j.itemId] ??= []).push(j.jobId)
      const planned = Object.fromEntries(plan.map((line) => [line.item.id, line.printFile.id]))
      let order
      try {
        await forEachLimited(jobs, COPY_CONCURRENCY, (j) => store.copy(j.from, modelKey(j.jobId)))
        // Each job is a few rows and an audit row: a large order needs longer than the default.
        order = await withTx(db.prisma, ctx, (tx) => approveOrder(tx, { orderId: id, printFiles, jobIds, planned, modelKey }, auditActor(p), meta), { timeoutMs: 10_000 + jobs.length * 20 })
      } catch (err) {
        await store.deleteKeys(jobs.map((j) => modelKey(j.jobId))).catch(() => {})
        throw err
      }
      for (const j of jobs) await deps.enqueue('print.dispatch', { manufacturingJobId: j.jobId, ...withRequestId(meta.requestId) }, j.jobId)
      return order
    },

    reject(p: Principal, id: string, reason: string, meta: RequestMeta) {
      return withTx(db.prisma, dbContextOf(p), (tx) => rejectOrder(tx, id, reason, auditActor(p), meta))
    },
  }
}

export type OrderService = ReturnType<typeof createOrderService>
