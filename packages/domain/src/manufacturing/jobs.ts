// Print jobs' repository: creation, cancel, and the reads and small writes the worker needs.
// Status changes go through movePrintJob (transition.ts) and nowhere else.
import { Prisma, writeAudit, type BambuModel, type Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'
import type { Actor, RequestMeta } from '../actor.js'
import type { FilamentNeeds } from '../filaments/needs.js'
import { mayHaveReachedPrinter, PRINT_CANCELLED, PRINT_INITIAL, PRINT_DISPATCHING, PRINT_ON_PRINTER, type PrintStatus } from './states.js'
import { applyPrintMove } from './transition.js'

/** How a sliced model is printed: a print job's settings, and a print file's for the jobs made from it. */
export interface PrintSettings {
  plate: number
  useAms: boolean
  amsMapping: number[]
  bedLeveling: boolean
  timelapse: boolean
  /** What the plate needs loaded (src/filaments); null: the model carries no filament metadata. */
  filaments: FilamentNeeds | null
}

/** The `filaments` column's value. */
export const filamentsColumn = (f: FilamentNeeds | null) => (f === null ? Prisma.DbNull : (f as unknown as Prisma.InputJsonObject))

/** A stored sliced model: its object key and what the upload measured. */
export interface StoredModel {
  fileKey: string
  file: { name: string; bytes: number; sha256: string }
}

export interface NewPrintJob extends PrintSettings, StoredModel {
  id: string
  printerId: string | null
  requestedModel: BambuModel | null
  scanJobId: string | null
  /** What the validator found in the archive (audited); absent for a copy of a print file. */
  entries?: number
  /** The order line it prints (an approved order's job, docs/integrations.md "Orders"). */
  orderItemId?: string | null
  /** The print file it was copied from (audited). */
  printFileId?: string
}

/** A new job, `queued`, with its first history row and its audit row. 404 for an unknown printer or scan job. */
export async function createPrintJob(tx: Tx, job: NewPrintJob, by: Actor, meta: RequestMeta): Promise<{ id: string; status: typeof PRINT_INITIAL }> {
  if (job.printerId && !(await tx.printer.findUnique({ where: { id: job.printerId }, select: { id: true } }))) {
    throw new AppError('NOT_FOUND', 'Printer not found.')
  }
  if (job.scanJobId && !(await tx.scanJob.findUnique({ where: { id: job.scanJobId }, select: { id: true } }))) {
    throw new AppError('NOT_FOUND', 'Scan job not found.')
  }
  const initial = PRINT_INITIAL
  await tx.manufacturingJob.create({
    data: {
      id: job.id, printerId: job.printerId, requestedModel: job.requestedModel, scanJobId: job.scanJobId,
      plate: job.plate, useAms: job.useAms, amsMapping: job.amsMapping, bedLeveling: job.bedLeveling, timelapse: job.timelapse,
      filaments: filamentsColumn(job.filaments),
      fileKey: job.fileKey, fileName: job.file.name, fileBytes: BigInt(job.file.bytes), fileSha256: job.file.sha256,
      orderItemId: job.orderItemId ?? null,
      createdBy: by.actorId ?? 'system', status: initial,
      events: { create: { fromStatus: null, toStatus: initial, details: { by: by.actorId ?? null } } },
    },
    select: { id: true },
  })
  await writeAudit(tx, {
    ...by, ...meta, action: 'manufacturing.created', targetType: 'manufacturing_job', targetId: job.id,
    details: { printerId: job.printerId, model: job.requestedModel, plate: job.plate, fileSha256: job.file.sha256, fileBytes: job.file.bytes,
      ...(job.entries !== undefined ? { entries: job.entries } : {}),
      ...(job.filaments ? { filaments: job.filaments.filaments.map((n) => `${n.slot}:${n.type}:#${n.color}`) } : {}),
      ...(job.orderItemId ? { orderItemId: job.orderItemId } : {}), ...(job.printFileId ? { printFileId: job.printFileId } : {}) },
  })
  return { id: job.id, status: initial }
}

/**
 * Any active state → cancelled, under the row lock (so the history's `from` and the decision to
 * stop a print are never stale). `stopPrint` is true when the job may have reached a printer:
 * the worker must then stop the print if it runs.
 */
export async function cancelPrintJob(tx: Tx, id: string, by: Actor, meta: RequestMeta): Promise<{ status: typeof PRINT_CANCELLED; from: PrintStatus; stopPrint: boolean }> {
  const move = await applyPrintMove(tx, 'cancel', { jobId: id, data: { finishedAt: new Date() }, details: { by: by.actorId ?? null }, by, meta })
  if (!move.moved) {
    if (move.current === null) throw new AppError('NOT_FOUND', 'Print job not found.')
    throw new AppError('CONFLICT', `A ${move.current} print job cannot be cancelled.`)
  }
  return { status: PRINT_CANCELLED, from: move.from, stopPrint: mayHaveReachedPrinter(move.from) }
}

const DISPATCH_SELECT = {
  id: true, status: true, printerId: true, requestedModel: true, plate: true, useAms: true, amsMapping: true,
  bedLeveling: true, timelapse: true, fileKey: true, fileName: true, fileBytes: true, fileSha256: true, taskId: true, filaments: true,
} satisfies Prisma.ManufacturingJobSelect
export type DispatchJob = Prisma.ManufacturingJobGetPayload<{ select: typeof DISPATCH_SELECT }>

/** What the dispatcher needs of a job. */
export async function loadPrintJobForDispatch(tx: Tx, id: string): Promise<DispatchJob | null> {
  return tx.manufacturingJob.findUnique({ where: { id }, select: DISPATCH_SELECT })
}

/** Where a job stands for the print.cancel handler: cancelled with a task id, or nothing to stop. */
export async function cancelledPrintToStop(tx: Tx, id: string): Promise<{ printerId: string; taskId: number } | null> {
  const job = await tx.manufacturingJob.findUnique({ where: { id }, select: { status: true, printerId: true, taskId: true } })
  // Only a cancelled job that got as far as a task id can have a print to stop.
  if (!job || job.status !== 'cancelled' || !job.printerId || job.taskId === null) return null
  return { printerId: job.printerId, taskId: job.taskId }
}

/** Jobs the PrintFollower watches: printing ones, and ones cancelled since `cancelledSince` (a print may still run). */
export interface FollowedRow {
  id: string
  printerId: string | null
  taskId: number | null
  status: PrintStatus
  progress: number
}
export async function followedPrintJobs(tx: Tx, cancelledSince: Date): Promise<FollowedRow[]> {
  return tx.manufacturingJob.findMany({
    where: {
      printerId: { not: null },
      taskId: { not: null },
      OR: [{ status: PRINT_ON_PRINTER }, { status: 'cancelled', finishedAt: { gt: cancelledSince } }],
    },
    select: { id: true, printerId: true, taskId: true, status: true, progress: true },
    orderBy: { updatedAt: 'asc' },
  })
}
export const isPrinting = (status: PrintStatus) => status === PRINT_ON_PRINTER

/** Progress of a printing job (not a transition: no history row). */
export async function recordPrintProgress(tx: Tx, id: string, progress: number): Promise<void> {
  await tx.manufacturingJob.updateMany({ where: { id, status: PRINT_ON_PRINTER }, data: { progress } })
}

/** Rows the sweeper checks for a live dispatch job. */
export async function printJobsAwaitingDispatch(tx: Tx, updatedBefore: Date, take: number): Promise<{ id: string; requeues: number }[]> {
  return tx.manufacturingJob.findMany({ where: { status: { in: [...PRINT_DISPATCHING] }, updatedAt: { lt: updatedBefore } }, select: { id: true, requeues: true }, take })
}

export async function countPrintRequeue(tx: Tx, id: string): Promise<void> {
  await tx.manufacturingJob.updateMany({ where: { id }, data: { requeues: { increment: 1 } } })
}

/** Completed and failed prints since `since` (dashboard). */
export async function printOutcomesSince(tx: Tx, since: Date) {
  const [completed, failed] = await Promise.all([
    tx.manufacturingJob.count({ where: { status: 'completed', finishedAt: { gte: since } } }),
    tx.manufacturingJob.count({ where: { status: 'failed', finishedAt: { gte: since } } }),
  ])
  return { completed, failed }
}
