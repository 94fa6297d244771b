// The worker's print-job moves, each its own transaction as the system. The rules (the named
// moves, the row lock, history and audit rows) live in packages/domain.
import { SYSTEM_CONTEXT, withTx, type Db, type Tx } from '@printforge/db'
import { applyPrintMove, claimPrinter, failPrintJob, type ClaimHooks, type PrintMove, type PrintTransition } from '@printforge/domain'

/**
 * Applies the named move; false when the job was not where the move starts (someone else moved it).
 * `guard` runs first in the same transaction (the lease's fencing check): when it throws, nothing moves.
 */
export async function move(db: Db, name: PrintMove, t: Omit<PrintTransition, 'from' | 'to' | 'audit'>, guard?: (tx: Tx) => Promise<void>): Promise<boolean> {
  return (await withTx(db, SYSTEM_CONTEXT, async (tx) => {
    await guard?.(tx)
    return applyPrintMove(tx, name, t)
  })).moved
}

/** Terminal failure with a reason; false when the job had already left the phase's states. */
export async function failJob(
  db: Db,
  jobId: string,
  code: string,
  reason: string,
  details: Record<string, unknown> = {},
  phase: 'failDispatch' | 'failPrint' | 'either' = 'either',
): Promise<boolean> {
  return (await withTx(db, SYSTEM_CONTEXT, (tx) => failPrintJob(tx, jobId, { code, reason, details }, phase))).moved
}

/** Claims the printer for the job (packages/domain/src/manufacturing/claim.ts). */
export function claim(db: Db, jobId: string, printerId: string, hooks?: ClaimHooks) {
  return withTx(db, SYSTEM_CONTEXT, (tx) => claimPrinter(tx, jobId, printerId, hooks), { timeoutMs: 15_000 })
}
