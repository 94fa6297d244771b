// print.cancel (docs/product.md §4.5): the API already set the job `cancelled`; if its print runs on its
// printer, send `stop` and wait for the printer to leave the busy states. A print that starts
// after this ran is stopped by the dispatcher (confirmStart) or the PrintFollower.
import { BUSY_STATES } from '@printforge/bambu'
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { cancelledPrintToStop } from '@printforge/domain'
import { trackCommand, type CommandMetrics } from '../metrics/commands.js'
import type { Handler } from '../processor.js'
import type { LeaseKeeper } from '../leases/lease-keeper.js'
import { holdOrHandOn } from '../leases/route.js'
import { isReady, type PrinterManager } from '../printers/manager.js'

export interface CancelDeps {
  db: Db
  manager: PrinterManager
  leases: LeaseKeeper | null
  readyTimeoutMs: number
  confirmTimeoutMs: number
  commands?: CommandMetrics
}

export function createPrintCancel(deps: CancelDeps): Handler<'print.cancel'> {
  return async ({ manufacturingJobId }, ctx) => {
    const job = await withTx(deps.db, SYSTEM_CONTEXT, (tx) => cancelledPrintToStop(tx, manufacturingJobId))
    if (!job) return
    const ours = String(job.taskId)
    await holdOrHandOn(deps.leases, deps.db, job.printerId, ctx)
    const printer = await deps.manager.waitFor(job.printerId, isReady, deps.readyTimeoutMs, ctx.signal)
    const running = () => printer.session.status.taskId === ours && BUSY_STATES.has(printer.session.status.gcodeState ?? '')
    if (!running()) return
    await trackCommand(deps.commands, 'stop', () => printer.session.stop())
    ctx.log.info({ manufacturingJobId, printerId: job.printerId }, 'stop sent for a cancelled print')
    await deps.manager.waitFor(job.printerId, (p) => isReady(p) && !(p.session.status.taskId === ours && BUSY_STATES.has(p.session.status.gcodeState ?? '')), deps.confirmTimeoutMs, ctx.signal)
  }
}
