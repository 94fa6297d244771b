// An admin's review of a recorded order (docs/integrations.md "Orders"): approval turns every
// line into print jobs from its print file; rejection ends it. Both only from pending_review.
import { type Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'
import type { Actor, RequestMeta } from '../actor.js'
import { storedNeeds } from '../filaments/needs.js'
import { createPrintJob } from '../manufacturing/jobs.js'
import { lockOrder, moveOrder, type LockedOrder } from './move.js'
import { readOrder, type OrderView } from './view.js'

const PRINT_FILE_SELECT = {
  id: true, name: true, productRef: true, requestedModel: true, plate: true, useAms: true, amsMapping: true,
  bedLeveling: true, timelapse: true, fileKey: true, fileName: true, fileBytes: true, fileSha256: true, filaments: true,
} as const

export interface PlannedLine {
  item: { id: string; position: number; title: string; quantity: number; scanJobId: string | null }
  printFile: { id: string; fileKey: string }
}

const notPending = (status: string) => new AppError('CONFLICT', `The order is ${status}; only an order pending review can be reviewed.`)

async function pendingOrder(tx: Tx, id: string, lock: boolean): Promise<LockedOrder> {
  const order = lock ? await lockOrder(tx, id) : await tx.order.findUnique({ where: { id }, select: { id: true, externalId: true, customerId: true, status: true } })
  if (!order) throw new AppError('NOT_FOUND', 'Order not found.')
  if (order.status !== 'pending_review') throw notPending(order.status)
  return order
}

async function resolveLines(tx: Tx, order: LockedOrder, chosen: Record<string, string>) {
  const items = await tx.orderItem.findMany({ where: { orderId: order.id }, orderBy: { position: 'asc' } })
  const unknown = Object.keys(chosen).filter((itemId) => !items.some((i) => i.id === itemId))
  if (unknown.length > 0) throw new AppError('VALIDATION_FAILED', `printFiles names ${unknown.length} item(s) that are not this order's.`)
  const named = await tx.printFile.findMany({ where: { id: { in: Object.values(chosen) } }, select: PRINT_FILE_SELECT })
  const refs = items.flatMap((i) => (i.productRef && !chosen[i.id] ? [i.productRef] : []))
  const byRef = await tx.printFile.findMany({ where: { productRef: { in: refs } }, select: PRINT_FILE_SELECT })
  return items.map((item) => {
    const choice = chosen[item.id]
    const printFile = choice ? named.find((f) => f.id === choice) : byRef.find((f) => f.productRef === item.productRef)
    if (!printFile) {
      const hint = choice ? `print file ${choice} does not exist` : item.kind === 'scan' ? 'a scan item needs a print file named in printFiles' : `no print file has productRef ${JSON.stringify(item.productRef)}`
      throw new AppError('CONFLICT', `Item ${item.position + 1} (${item.id}, ${JSON.stringify(item.title)}) has no print file: ${hint}.`)
    }
    return { item, printFile }
  })
}

/**
 * What approving would need, read before the transaction (the copies of the files are made
 * first, outside it): every line with its print file. 404 unknown order, 409 not pending or a
 * line without a print file (named), 400 printFiles naming another order's item.
 */
export async function planApproval(tx: Tx, orderId: string, chosen: Record<string, string>): Promise<PlannedLine[]> {
  const order = await pendingOrder(tx, orderId, false)
  return (await resolveLines(tx, order, chosen)).map(({ item, printFile }) => ({
    item: { id: item.id, position: item.position, title: item.title, quantity: item.quantity, scanJobId: item.scanJobId },
    printFile: { id: printFile.id, fileKey: printFile.fileKey },
  }))
}

export interface Approval {
  orderId: string
  printFiles: Record<string, string>
  /** Per item id, the ids of its new print jobs (quantity of them), whose models are already stored at modelKey(id). */
  jobIds: Record<string, string[]>
  /** Per item id, the print file the plan copied (checked again under the lock). */
  planned: Record<string, string>
  /** Where a job's model is stored. */
  modelKey: (jobId: string) => string
}

/**
 * pending_review → approved, then `quantity` print jobs per line (order_item_id set; the trigger
 * manufacturing_jobs_order_check admits them only now that the order is approved), all in the
 * caller's transaction. The order row is locked, and the print files are re-read under a share
 * lock: a file deleted or replaced since the plan is 409, never a job with the wrong model.
 */
export async function approveOrder(tx: Tx, a: Approval, by: Actor, meta: RequestMeta): Promise<OrderView> {
  const order = await pendingOrder(tx, a.orderId, true)
  const lines = await resolveLines(tx, order, a.printFiles)
  const fileIds = [...new Set(lines.map((l) => l.printFile.id))]
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM print_files WHERE id = ANY(${fileIds}::uuid[]) FOR SHARE`
  if (locked.length !== fileIds.length || lines.some((l) => a.planned[l.item.id] !== l.printFile.id || a.jobIds[l.item.id]?.length !== l.item.quantity)) {
    throw new AppError('CONFLICT', 'The order’s print files changed during approval; retry.')
  }
  await moveOrder(tx, order, {
    to: 'approved', data: { reviewedBy: by.actorId ?? 'system', reviewedAt: new Date() }, by, meta,
    details: { printFiles: Object.fromEntries(lines.map((l) => [l.item.id, l.printFile.id])), jobs: lines.reduce((n, l) => n + l.item.quantity, 0) },
  })
  for (const { item, printFile: f } of lines) {
    for (const jobId of a.jobIds[item.id] ?? []) {
      await createPrintJob(tx, {
        id: jobId, printerId: null, requestedModel: f.requestedModel, scanJobId: item.scanJobId, orderItemId: item.id, printFileId: f.id,
        plate: f.plate, useAms: f.useAms, amsMapping: f.amsMapping, bedLeveling: f.bedLeveling, timelapse: f.timelapse, filaments: storedNeeds(f.filaments),
        fileKey: a.modelKey(jobId), file: { name: f.fileName, bytes: Number(f.fileBytes), sha256: f.fileSha256 },
      }, by, meta)
    }
  }
  const view = await readOrder(tx, order.id, null)
  if (!view) throw new Error('an approved order is not readable by its approver')
  return view
}

/** pending_review → rejected with the reason. */
export async function rejectOrder(tx: Tx, orderId: string, reason: string, by: Actor, meta: RequestMeta): Promise<OrderView> {
  const order = await pendingOrder(tx, orderId, true)
  await moveOrder(tx, order, { to: 'rejected', reason, data: { reviewedBy: by.actorId ?? 'system', reviewedAt: new Date() }, by, meta })
  const view = await readOrder(tx, order.id, null)
  if (!view) throw new Error('a rejected order is not readable by its reviewer')
  return view
}
