// Claiming a printer for one print job. Two dispatchers (threads of one worker or two worker
// processes) must never start two jobs on one printer: the claim locks the printer row, checks
// that no other job holds it, and moves the job to `uploading` with that printer — one transaction.
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { applyTransition } from './transitions.js'

/** Jobs in these states own their printer. */
export const HOLDING_STATES = ['uploading', 'starting', 'printing'] as const

export type ClaimResult = 'claimed' | 'held_by_other_job' | 'printer_missing' | 'job_moved'

export interface ClaimHooks {
  /** Runs between the check and the update (tests widen the race window with it). */
  afterCheck?: () => Promise<void>
}

export async function claimPrinter(db: Db, jobId: string, printerId: string, hooks: ClaimHooks = {}): Promise<ClaimResult> {
  return withTx(
    db,
    SYSTEM_CONTEXT,
    async (tx) => {
      // The row lock serialises claims for this printer: a second claimer waits here until the
      // first commits, then sees its job among the holders.
      const printer = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM printers WHERE id = ${printerId}::uuid FOR UPDATE`
      if (printer.length === 0) return 'printer_missing'
      const holders = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM manufacturing_jobs
        WHERE printer_id = ${printerId}::uuid AND id <> ${jobId}::uuid
          AND status IN ('uploading', 'starting', 'printing')
        LIMIT 1`
      await hooks.afterCheck?.()
      if (holders.length > 0) return 'held_by_other_job'
      const moved = await applyTransition(tx, {
        jobId,
        from: ['queued'],
        to: 'uploading',
        data: { printerId },
        details: { printerId },
      })
      return moved ? 'claimed' : 'job_moved'
    },
    { timeoutMs: 15_000 },
  )
}
