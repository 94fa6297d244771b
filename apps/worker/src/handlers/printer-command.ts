// printer.command (docs/product.md §4.4): an operator's command, sent through this worker's session. The
// API audits `printer.controlled`; one attempt only, since resending a pause or stop later could
// act on a different print than the operator saw.
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import type { InSpan } from '@printforge/tracing'
import type { LeaseKeeper } from '../leases/lease-keeper.js'
import { holdOrHandOn } from '../leases/route.js'
import { trackCommand, type CommandMetrics, type PrinterCommand } from '../metrics/commands.js'
import type { Handler } from '../processor.js'
import { isReady, type PrinterManager } from '../printers/manager.js'
import { PermanentJobError } from '../processor.js'

export interface CommandDeps {
  db: Db
  manager: PrinterManager
  leases: LeaseKeeper | null
  readyTimeoutMs: number
  commands?: CommandMetrics
  /** The span around the command when tracing is on. */
  inSpan: InSpan
}

/** The operator's command as a metric label (both light commands are `light`). */
/**
 * A command that waited longer than this for the printer's holder is dropped: pausing or stopping
 * later could act on a different print than the operator saw.
 */
const ROUTE_MAX_MS = 30_000

const LABEL: Record<string, PrinterCommand> = { pause: 'pause', resume: 'resume', stop: 'stop', light_on: 'light', light_off: 'light', refresh: 'refresh' }

export function createPrinterCommand(deps: CommandDeps): Handler<'printer.command'> {
  return async ({ printerId, command }, ctx) => {
    if (Date.now() - (ctx.enqueuedAt ?? Date.now()) > ROUTE_MAX_MS) throw new PermanentJobError(`printer ${printerId}: no worker held it within ${ROUTE_MAX_MS / 1000} s of the command; not sent`)
    await holdOrHandOn(deps.leases, deps.db, printerId, ctx)
    if (!deps.manager.get(printerId)) await deps.manager.sync()
    if (!deps.manager.get(printerId)) throw new PermanentJobError(`printer ${printerId} is not registered`)
    const { session } = await deps.manager.waitFor(printerId, isReady, deps.readyTimeoutMs, ctx.signal)
    // The decision to send, fenced in the database, then checked locally once more right before.
    const leases = deps.leases
    if (leases) await withTx(deps.db, SYSTEM_CONTEXT, (tx) => leases.assertHeld(tx, printerId))
    const send = () => trackCommand(deps.commands, LABEL[command] ?? 'refresh', async () => {
      leases?.assertHeldLocally(printerId)
      switch (command) {
        case 'pause': await session.pause(); break
        case 'resume': await session.resume(); break
        case 'stop': await session.stop(); break
        case 'light_on': await session.setLight({ node: 'chamber_light', mode: 'on' }); break
        case 'light_off': await session.setLight({ node: 'chamber_light', mode: 'off' }); break
        case 'refresh': await session.pushall(); break
      }
    })
    await deps.inSpan(`printer ${command}`, { 'printforge.printer_id': printerId }, send)
    // requestId is bound to ctx.log by the processor.
    ctx.log.info({ printerId, command }, 'printer command sent')
  }
}
