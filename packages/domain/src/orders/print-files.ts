// Print files: sliced models kept for reuse by order approval (docs/integrations.md "Orders").
// Admins add and delete them; staff list them. The object lives at modelKey(<printFileId>).
import { isUniqueViolation, recordDeletions, writeAudit, type BambuModel, type Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'
import type { Actor, RequestMeta } from '../actor.js'
import { filamentsColumn, type PrintSettings, type StoredModel } from '../manufacturing/jobs.js'

export interface NewPrintFile extends PrintSettings, StoredModel {
  id: string
  name: string
  productRef: string | null
  requestedModel: BambuModel
  /** What the validator found in the archive (audited). */
  entries: number
}

export const PRINT_FILE_VIEW_SELECT = {
  id: true, name: true, productRef: true, requestedModel: true, plate: true, useAms: true, amsMapping: true, bedLeveling: true,
  timelapse: true, filaments: true, fileName: true, fileBytes: true, fileSha256: true, createdBy: true, createdAt: true,
} as const

const duplicate = (productRef: string | null) => new AppError('CONFLICT', `A print file for productRef ${JSON.stringify(productRef)} already exists; delete it first.`)

/**
 * Records the file (its object is already stored) with its audit row. A productRef names at most
 * one file (unique index): a second is 409. The caller's transaction is aborted by the violation,
 * so this runs as the transaction's only write before its audit row.
 */
export async function createPrintFile(tx: Tx, f: NewPrintFile, by: Actor, meta: RequestMeta): Promise<{ id: string }> {
  if (f.productRef !== null && (await tx.printFile.findUnique({ where: { productRef: f.productRef }, select: { id: true } }))) throw duplicate(f.productRef)
  try {
    await tx.printFile.create({
      data: {
        id: f.id, name: f.name, productRef: f.productRef, requestedModel: f.requestedModel, plate: f.plate, useAms: f.useAms, amsMapping: f.amsMapping,
        bedLeveling: f.bedLeveling, timelapse: f.timelapse, filaments: filamentsColumn(f.filaments), fileKey: f.fileKey, fileName: f.file.name, fileBytes: BigInt(f.file.bytes),
        fileSha256: f.file.sha256, createdBy: by.actorId ?? 'system',
      },
      select: { id: true },
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate(f.productRef)
    throw err
  }
  await writeAudit(tx, {
    ...by, ...meta, action: 'print_file.created', targetType: 'print_file', targetId: f.id,
    details: { name: f.name, productRef: f.productRef, model: f.requestedModel, fileSha256: f.file.sha256, fileBytes: f.file.bytes, entries: f.entries,
      filaments: f.filaments?.filaments.map((n) => `${n.slot}:${n.type}:#${n.color}`) ?? null },
  })
  return { id: f.id }
}

/**
 * Deletes the row and records its object in the deletion outbox (removed after the commit, or by
 * the worker's sweep). Print jobs made from it keep their own copies. 404 when absent.
 */
export async function deletePrintFile(tx: Tx, id: string, by: Actor, meta: RequestMeta): Promise<{ keys: string[] }> {
  const [row] = await tx.$queryRaw<{ file_key: string; name: string; product_ref: string | null }[]>`
    DELETE FROM print_files WHERE id = ${id}::uuid RETURNING file_key, name, product_ref`
  if (!row) throw new AppError('NOT_FOUND', 'Print file not found.')
  await recordDeletions(tx, [row.file_key], 'print_file.deleted')
  await writeAudit(tx, { ...by, ...meta, action: 'print_file.deleted', targetType: 'print_file', targetId: id, details: { name: row.name, productRef: row.product_ref } })
  return { keys: [row.file_key] }
}
