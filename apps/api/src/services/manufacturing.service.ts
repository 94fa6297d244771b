import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { withTx, type Database, type Prisma } from '@printforge/db'
import { assertFilamentsLoaded, assertGroupDispatch, cancelPrintJob, createIdempotently, createPrintJob, findReplay, storedNeeds } from '@printforge/domain'
import { AppError } from '@printforge/errors'
import { withRequestId } from '@printforge/jobs'
import { modelKey, type WatchedStore } from '@printforge/storage'
import type { Static } from 'typebox'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import { auditActor, dbContextOf, isGroupStaff, type Principal } from '../lib/principal.js'
import { validateModel } from '../lib/upload/model-3mf.js'
import type { ReceivedModel } from '../lib/upload/model-upload.js'
import type { ManufacturingJob } from '../schemas/manufacturing.js'
import { parseDispatchFields } from './dispatch-fields.js'
import type { EnqueueAfterCommit, RequestMeta } from './types.js'

type JobView = Static<typeof ManufacturingJob>

const VIEW_INCLUDE = {
  printer: { select: { id: true, name: true, model: true } },
  events: { orderBy: { id: 'asc' }, select: { fromStatus: true, toStatus: true, at: true, details: true } },
} satisfies Prisma.ManufacturingJobInclude
type JobRow = Prisma.ManufacturingJobGetPayload<{ include: typeof VIEW_INCLUDE }>

const iso = (d: Date | null) => d?.toISOString() ?? null
function toView(j: JobRow): JobView {
  return {
    id: j.id, status: j.status, printer: j.printer, requestedModel: j.requestedModel, scanJobId: j.scanJobId,
    plate: j.plate, useAms: j.useAms, amsMapping: j.amsMapping, bedLeveling: j.bedLeveling, timelapse: j.timelapse,
    filaments: storedNeeds(j.filaments), fileName: j.fileName, fileBytes: Number(j.fileBytes), fileSha256: j.fileSha256, progress: j.progress,
    error: j.errorCode || j.errorReason ? { code: j.errorCode, reason: j.errorReason } : null,
    createdBy: j.createdBy, createdAt: j.createdAt.toISOString(), updatedAt: j.updatedAt.toISOString(),
    startedAt: iso(j.startedAt), finishedAt: iso(j.finishedAt),
    history: j.events.map((e) => ({ from: e.fromStatus, to: e.toStatus, at: e.at.toISOString(), details: e.details as Record<string, unknown> })),
  }
}

export interface DispatchRequest {
  /** Idempotency-Key, validated. */
  key: string | undefined
  /** Receives the form fields and the model into a private temporary file. */
  receive(): Promise<ReceivedModel>
}

/**
 * docs/product.md §4.5: admins dispatch sliced models; staff follow and cancel them. Dispatch is
 * one flow: receive → validate the archive → replay? → store the model (before the row exists: the
 * worker never sees a job whose file is missing) → one transaction (row, history, audit,
 * remembered answer) → the dispatch job after the commit. Nothing of a refused request stays.
 */
export function createManufacturingService(deps: {
  db: Pick<Database, 'prisma'>
  store: Pick<WatchedStore, 'putStream' | 'deleteKeys' | 'health'>
  enqueue: EnqueueAfterCommit
}) {
  const { db, store } = deps

  async function commit(p: Principal, model: ReceivedModel, key: string | undefined, meta: RequestMeta) {
    const fields = parseDispatchFields(model.fields)
    const summary = await validateModel(model.file.path, fields.plate)
    const request = { actorId: p.actorId, key, requestHash: createHash('sha256').update(JSON.stringify({ fields, sha256: model.file.sha256 })).digest('hex') }
    const ctx = dbContextOf(p)
    // Group admins dispatch only to a printer of a group they administer (RLS refuses the insert
    // too; this answers 400/403/404 before the model is stored).
    if (isGroupStaff(p)) await withTx(db.prisma, ctx, (tx) => assertGroupDispatch(tx, p.actorId, fields.printerId))
    const replay = await findReplay(db.prisma, ctx, request)
    if (replay) return replay
    // docs/integrations.md "Filament-aware dispatch": refused (409, nothing stored) when no printer it
    // may go to has the plate's filaments loaded. A hand-made amsMapping is the operator's override.
    const needs = summary.filaments
    if (needs && fields.amsMapping.length === 0) {
      await withTx(db.prisma, ctx, (tx) => assertFilamentsLoaded(tx, { printerId: fields.printerId ?? null, model: fields.model ?? null }, needs))
    }
    const id = randomUUID()
    await store.putStream(modelKey(id), createReadStream(model.file.path), 'model/3mf')
    try {
      const outcome = await createIdempotently(db.prisma, ctx, request, async (tx) => {
        const created = await createPrintJob(tx, {
          id, printerId: fields.printerId ?? null, requestedModel: fields.model ?? null, scanJobId: fields.scanJobId ?? null,
          plate: fields.plate, useAms: fields.useAms, amsMapping: fields.amsMapping, bedLeveling: fields.bedLeveling, timelapse: fields.timelapse,
          filaments: summary.filaments, fileKey: modelKey(id), file: { name: model.file.name, bytes: model.file.bytes, sha256: model.file.sha256 }, entries: summary.entries,
        }, auditActor(p), meta)
        return { response: { statusCode: 202, body: { manufacturingJob: created } }, result: id }
      })
      if (outcome.created) await deps.enqueue('print.dispatch', { manufacturingJobId: id, ...withRequestId(meta.requestId) }, id)
      else await store.deleteKeys([modelKey(id)])
      return outcome.response
    } catch (err) {
      await store.deleteKeys([modelKey(id)]).catch(() => {})
      throw err
    }
  }

  return {
    async dispatch(p: Principal, request: DispatchRequest, meta: RequestMeta) {
      if (!store.health.up) throw new AppError('UNAVAILABLE', 'File storage is unavailable; retry shortly.')
      const model = await request.receive()
      try {
        return await commit(p, model, request.key, meta)
      } finally {
        await model.cleanup()
      }
    },

    async list(p: Principal, query: { cursor?: string; limit: number; status?: JobView['status'] }) {
      const after = decodeCursor(query.cursor, ['timestamp', 'uuid'])
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const rows = await tx.manufacturingJob.findMany({
          where: {
            ...(query.status ? { status: query.status } : {}),
            ...(after ? { OR: [{ createdAt: { lt: after[0] } }, { createdAt: after[0], id: { lt: after[1] } }] } : {}),
          },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: query.limit + 1,
          include: VIEW_INCLUDE,
        })
        const page = rows.slice(0, query.limit)
        const last = page.at(-1)
        return { items: page.map(toView), nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null }
      })
    },

    async get(p: Principal, id: string) {
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const job = await tx.manufacturingJob.findUnique({ where: { id }, include: VIEW_INCLUDE })
        if (!job) throw new AppError('NOT_FOUND', 'Print job not found.')
        return toView(job)
      })
    },

    /**
     * Cancels under the row lock (packages/domain): the history's `from` and the decision to
     * stop a print are never stale. A job that may have reached a printer gets a print.cancel
     * job: the worker stops the print if it runs.
     */
    async cancel(p: Principal, id: string, meta: RequestMeta) {
      const { status, stopPrint } = await withTx(db.prisma, dbContextOf(p), (tx) => cancelPrintJob(tx, id, auditActor(p), meta))
      if (stopPrint) await deps.enqueue('print.cancel', { manufacturingJobId: id, ...withRequestId(meta.requestId) }, id)
      return { id, status }
    },
  }
}

export type ManufacturingService = ReturnType<typeof createManufacturingService>
