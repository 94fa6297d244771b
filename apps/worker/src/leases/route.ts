// Commands reach the printer's holder wherever they were enqueued: every worker consumes `prints`,
// and one that picks a job for a printer it does not hold puts it back, delayed a moment and
// without spending an attempt, for the holder to pick up (BullMQ has no routing by key; a job is
// taken by whichever consumer asks first, so a put-back job reaches the holder within a few picks).
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { currentHolder } from '@printforge/domain'
import type { JobContext } from '../processor.js'
import type { LeaseKeeper } from './lease-keeper.js'

/** Thrown where no BullMQ job can be put back (a handler called directly). */
export class NotHolderError extends Error {
  constructor(readonly printerId: string, readonly holder: string | null) {
    super(holder ? `printer ${printerId} is held by another worker (${holder})` : `no worker holds printer ${printerId} yet`)
  }
}

/** Put-back delays: another holder picks the job at once; no holder yet waits for the next lease round. */
const TO_HOLDER_MS = 150
const NO_HOLDER_MS = 1_000

/**
 * Returns when this process holds the printer's lease; otherwise hands the job on (ctx.defer never
 * returns). A printer planned for this process (newly registered, or its lease free now) gets one
 * lease round first, so a single worker never puts its own job back. An unregistered printer
 * returns at once: the caller's own check fails the job for good.
 */
export async function holdOrHandOn(leases: LeaseKeeper | null, db: Db, printerId: string, ctx: JobContext): Promise<void> {
  if (!leases || leases.holds(printerId)) return
  if (leases.mayBeMine(printerId)) await leases.tick()
  if (leases.holds(printerId)) return
  const lease = await withTx(db, SYSTEM_CONTEXT, (tx) => currentHolder(tx, printerId))
  // Nobody will ever hold a printer that is not registered: the handler fails the job now.
  if (!lease) return
  const { holder } = lease
  ctx.log.debug({ printerId, holder }, 'printer held by another worker; handing the job on')
  if (ctx.defer) await ctx.defer(holder ? TO_HOLDER_MS : NO_HOLDER_MS)
  throw new NotHolderError(printerId, holder)
}
