import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { drainDeletions, withTx, type Database } from '@printforge/db'
import { createPrintFile, deletePrintFile, PRINT_FILE_VIEW_SELECT, storedNeeds } from '@printforge/domain'
import { AppError } from '@printforge/errors'
import { modelKey, type WatchedStore } from '@printforge/storage'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import { auditActor, dbContextOf, type Principal } from '../lib/principal.js'
import { validateModel } from '../lib/upload/model-3mf.js'
import type { ReceivedModel } from '../lib/upload/model-upload.js'
import { parseDispatchFields } from './dispatch-fields.js'
import type { Log, RequestMeta } from './types.js'

/** The form fields POST /print-files takes besides the dispatch fields. */
export const PRINT_FILE_FIELDS = ['name', 'productRef'] as const

const invalid = (message: string) => new AppError('VALIDATION_FAILED', message)
const NAME = /^[^\p{Cc}]{1,120}$/u
const REF = /^[\x21-\x7e]{1,255}$/

type Row = { fileBytes: bigint; createdAt: Date; filaments: unknown } & Record<string, unknown>
const toView = <R extends Row>(r: R) => ({ ...r, fileBytes: Number(r.fileBytes), createdAt: r.createdAt.toISOString(), filaments: storedNeeds(r.filaments) })

/** The print file's own fields; the dispatch fields as POST /manufacturing/create has them, minus what a reusable file cannot fix. */
function parsePrintFileFields(fields: Record<string, string>) {
  const { name, productRef, printerId, scanJobId, ...dispatch } = fields
  if (name === undefined || !NAME.test(name)) throw invalid('name is required: 1–120 characters, no control characters.')
  if (productRef !== undefined && !REF.test(productRef)) throw invalid('productRef must be 1–255 printable ASCII characters without spaces.')
  // A print file prints many times on whichever printer is idle: it names a model, never one printer or scan.
  if (printerId !== undefined || scanJobId !== undefined) throw invalid('A print file names a printer model, not a printerId or scanJobId.')
  const parsed = parseDispatchFields(dispatch)
  if (!parsed.model) throw invalid('model is required: the printer model the file was sliced for.')
  return { name, productRef: productRef ?? null, ...parsed, model: parsed.model }
}

/**
 * docs/integrations.md "Orders", print files. Upload is POST /manufacturing/create's pipeline:
 * receive → validate the archive → store at modelKey(<id>) → one transaction (row, audit) —
 * the object is removed again if the row is refused (a duplicate productRef is 409).
 */
export function createPrintFileService(deps: { db: Pick<Database, 'prisma'>; store: Pick<WatchedStore, 'putStream' | 'deleteKeys' | 'listKeys' | 'health'>; log: Log }) {
  const { db, store } = deps

  return {
    async create(p: Principal, receive: () => Promise<ReceivedModel>, meta: RequestMeta) {
      if (!store.health.up) throw new AppError('UNAVAILABLE', 'File storage is unavailable; retry shortly.')
      const model = await receive()
      try {
        const fields = parsePrintFileFields(model.fields)
        const summary = await validateModel(model.file.path, fields.plate)
        const id = randomUUID()
        await store.putStream(modelKey(id), createReadStream(model.file.path), 'model/3mf')
        try {
          await withTx(db.prisma, dbContextOf(p), (tx) => createPrintFile(tx, {
            id, name: fields.name, productRef: fields.productRef, requestedModel: fields.model, plate: fields.plate, useAms: fields.useAms,
            amsMapping: fields.amsMapping, bedLeveling: fields.bedLeveling, timelapse: fields.timelapse, filaments: summary.filaments, fileKey: modelKey(id),
            file: { name: model.file.name, bytes: model.file.bytes, sha256: model.file.sha256 }, entries: summary.entries,
          }, auditActor(p), meta))
        } catch (err) {
          await store.deleteKeys([modelKey(id)]).catch(() => {})
          throw err
        }
        return this.get(p, id)
      } finally {
        await model.cleanup()
      }
    },

    async get(p: Principal, id: string) {
      const row = await withTx(db.prisma, dbContextOf(p), (tx) => tx.printFile.findUnique({ where: { id }, select: PRINT_FILE_VIEW_SELECT }))
      if (!row) throw new AppError('NOT_FOUND', 'Print file not found.')
      return toView(row)
    },

    async list(p: Principal, query: { cursor?: string; limit: number; productRef?: string }) {
      const after = decodeCursor(query.cursor, ['timestamp', 'uuid'])
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const rows = await tx.printFile.findMany({
          where: {
            ...(query.productRef ? { productRef: query.productRef } : {}),
            ...(after ? { OR: [{ createdAt: { lt: after[0] } }, { createdAt: after[0], id: { lt: after[1] } }] } : {}),
          },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: query.limit + 1,
          select: PRINT_FILE_VIEW_SELECT,
        })
        const page = rows.slice(0, query.limit)
        const last = page.at(-1)
        return { items: page.map(toView), nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null }
      })
    },

    /** Deletes the row (audited) and, after the commit, its object through the deletion outbox. */
    async remove(p: Principal, id: string, meta: RequestMeta) {
      const { keys } = await withTx(db.prisma, dbContextOf(p), (tx) => deletePrintFile(tx, id, auditActor(p), meta))
      // The outbox row guarantees the removal; draining now just makes it prompt.
      const { failed } = await drainDeletions(db.prisma, store, { keys })
      if (failed > 0) deps.log.warn({ printFileId: id }, 'the deleted print file’s object could not be removed yet; the worker retries')
    },
  }
}

export type PrintFileService = ReturnType<typeof createPrintFileService>
