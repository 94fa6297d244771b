import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { isUniqueViolation, withTx, writeAudit, type Database, type Prisma } from '@printforge/db'
import { AppError } from '@printforge/errors'
import { modelKey, type ObjectStore } from '@printforge/storage'
import type { Static } from 'typebox'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import { auditActor, dbContextOf, type Principal } from '../lib/principal.js'
import { validateModel } from '../lib/upload/model-3mf.js'
import type { ReceivedModel } from '../lib/upload/model-upload.js'
import type { ManufacturingJob } from '../schemas/manufacturing.js'
import { parseDispatchFields } from './dispatch-fields.js'
import { remember, replayFor, type StoredResponse } from './idempotency.js'
import type { RequestMeta } from './scan-jobs.service.js'

type JobView = Static<typeof ManufacturingJob>
const TERMINAL = ['completed', 'failed', 'cancelled'] as const

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
    fileName: j.fileName, fileBytes: Number(j.fileBytes), fileSha256: j.fileSha256, progress: j.progress,
    error: j.errorCode || j.errorReason ? { code: j.errorCode, reason: j.errorReason } : null,
    createdBy: j.createdBy, createdAt: j.createdAt.toISOString(), updatedAt: j.updatedAt.toISOString(),
    startedAt: iso(j.startedAt), finishedAt: iso(j.finishedAt),
    history: j.events.map((e) => ({ from: e.fromStatus, to: e.toStatus, at: e.at.toISOString(), details: e.details as Record<string, unknown> })),
  }
}

/** docs/product.md §4.5: admins dispatch sliced models; staff follow and cancel them. */
export function createManufacturingService(deps: { db: Database; store: ObjectStore }) {
  const { db, store } = deps

  async function commit(p: Principal, model: ReceivedModel, key: string | undefined, meta: RequestMeta) {
    const fields = parseDispatchFields(model.fields)
    const summary = await validateModel(model.file.path, fields.plate)
    const requestHash = createHash('sha256').update(JSON.stringify({ fields, sha256: model.file.sha256 })).digest('hex')
    const ctx = dbContextOf(p)
    if (key) {
      const replay = await withTx(db.prisma, ctx, (tx) => replayFor(tx, p.actorId, key, requestHash))
      if (replay) return { created: false, response: replay, id: undefined }
    }
    const id = randomUUID()
    // Stored before the row exists: the worker never sees a job whose file is missing.
    await store.putStream(modelKey(id), createReadStream(model.file.path), 'model/3mf')
    try {
      return await withTx(db.prisma, ctx, async (tx) => {
        if (fields.printerId && !(await tx.printer.findUnique({ where: { id: fields.printerId }, select: { id: true } }))) {
          throw new AppError('NOT_FOUND', 'Printer not found.')
        }
        if (fields.scanJobId && !(await tx.scanJob.findUnique({ where: { id: fields.scanJobId }, select: { id: true } }))) {
          throw new AppError('NOT_FOUND', 'Scan job not found.')
        }
        await tx.manufacturingJob.create({
          data: {
            id, printerId: fields.printerId ?? null, requestedModel: fields.model ?? null, scanJobId: fields.scanJobId ?? null,
            plate: fields.plate, useAms: fields.useAms, amsMapping: fields.amsMapping, bedLeveling: fields.bedLeveling, timelapse: fields.timelapse,
            fileKey: modelKey(id), fileName: model.file.name, fileBytes: BigInt(model.file.bytes), fileSha256: model.file.sha256,
            createdBy: p.actorId,
            events: { create: { fromStatus: null, toStatus: 'queued', details: { by: p.actorId } } },
          },
        })
        const response: StoredResponse = { statusCode: 202, body: { manufacturingJob: { id, status: 'queued' } } }
        if (key) await remember(tx, p.actorId, key, requestHash, response)
        await writeAudit(tx, {
          ...auditActor(p), action: 'manufacturing.created', targetType: 'manufacturing_job', targetId: id, ...meta,
          details: { printerId: fields.printerId ?? null, model: fields.model ?? null, plate: fields.plate, fileSha256: model.file.sha256, fileBytes: model.file.bytes, entries: summary.entries },
        })
        return { created: true, response, id }
      })
    } catch (err) {
      await store.deleteKeys([modelKey(id)]).catch(() => {})
      if (key && isUniqueViolation(err)) {
        const replay = await withTx(db.prisma, ctx, (tx) => replayFor(tx, p.actorId, key, requestHash))
        if (replay) return { created: false, response: replay, id: undefined }
      }
      throw err
    }
  }

  return {
    create: commit,

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

    /** Marks the job cancelled; the worker stops the print if it runs (print.cancel). */
    async cancel(p: Principal, id: string, meta: RequestMeta) {
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const job = await tx.manufacturingJob.findUnique({ where: { id }, select: { status: true } })
        if (!job) throw new AppError('NOT_FOUND', 'Print job not found.')
        const { count } = await tx.manufacturingJob.updateMany({
          where: { id, status: { notIn: [...TERMINAL] } },
          data: { status: 'cancelled', finishedAt: new Date() },
        })
        if (count === 0) throw new AppError('CONFLICT', `A ${job.status} print job cannot be cancelled.`)
        await tx.manufacturingJobEvent.create({ data: { jobId: id, fromStatus: job.status, toStatus: 'cancelled', details: { by: p.actorId } } })
        await writeAudit(tx, { ...auditActor(p), action: 'manufacturing.cancelled', targetType: 'manufacturing_job', targetId: id, ...meta, details: { from: job.status } })
        return { id, status: 'cancelled' as const, wasRunning: job.status !== 'queued' }
      })
    },
  }
}

export type ManufacturingService = ReturnType<typeof createManufacturingService>
