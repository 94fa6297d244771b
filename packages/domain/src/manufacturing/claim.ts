// Claiming a printer for one print job. Two dispatchers (threads of one worker or two worker
// processes) must never start two jobs on one printer: the claim locks the printer row, checks
// that no other job holds it, and moves the job to `uploading` with that printer — one transaction.
import type { Tx } from '@printforge/db'
import { PRINT_HOLDING_PRINTER } from './states.js'
import { applyPrintMove } from './transition.js'

export type ClaimResult = 'claimed' | 'held_by_other_job' | 'printer_missing' | 'job_moved'

export interface ClaimHooks {
  /** Runs between the check and the update (tests widen the race window with it). */
  afterCheck?: () => Promise<void>
}

export async function claimPrinter(tx: Tx, jobId: string, printerId: string, hooks: ClaimHooks = {}): Promise<ClaimResult> {
  // The row lock serialises claims for this printer: a second claimer waits here until the
  // first commits, then sees its job among the holders.
  const printer = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM printers WHERE id = ${printerId}::uuid FOR UPDATE`
  if (printer.length === 0) return 'printer_missing'
  const holder = await tx.manufacturingJob.findFirst({
    where: { printerId, id: { not: jobId }, status: { in: [...PRINT_HOLDING_PRINTER] } },
    select: { id: true },
  })
  await hooks.afterCheck?.()
  if (holder) return 'held_by_other_job'
  const move = await applyPrintMove(tx, 'claim', { jobId, data: { printerId }, details: { printerId } })
  return move.moved ? 'claimed' : 'job_moved'
}

/** Whether a job holds the printer (a print on it may be under way). */
export async function printerHasActiveJob(tx: Tx, printerId: string): Promise<boolean> {
  return (await tx.manufacturingJob.count({ where: { printerId, status: { in: [...PRINT_HOLDING_PRINTER] } } })) > 0
}
