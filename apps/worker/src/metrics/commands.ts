// printforge_printer_commands_total: commands sent to printers, by how the printer took them.
import { BambuCommandError } from '@printforge/bambu'
import { Counter, type Registry } from '@printforge/metrics'

export type PrinterCommand = 'print' | 'pause' | 'resume' | 'stop' | 'light' | 'refresh'

/**
 * `refused`: the printer said no (an error reply, Developer Mode off) or was refused locally
 * because it is busy or has not reported its state; `failed`: the command could not be delivered
 * or confirmed (offline, connection lost, no acknowledgement) or something else went wrong.
 */
const REFUSED: ReadonlySet<string> = new Set(['REJECTED', 'CONTROL_DISABLED', 'PRINTER_BUSY', 'STATE_UNKNOWN'])
export const commandOutcome = (err: unknown): 'refused' | 'failed' =>
  err instanceof BambuCommandError && REFUSED.has(err.code) ? 'refused' : 'failed'

export interface CommandMetrics {
  /** Runs `send` and counts its outcome; rethrows what it threw. */
  track<T>(command: PrinterCommand, send: () => Promise<T>): Promise<T>
}

/** `send` counted when the worker has metrics (handlers built without them in unit tests just send). */
export const trackCommand = <T>(metrics: CommandMetrics | undefined, command: PrinterCommand, send: () => Promise<T>): Promise<T> =>
  metrics ? metrics.track(command, send) : send()

export function createCommandMetrics(registry: Registry): CommandMetrics {
  const total = new Counter({
    name: 'printforge_printer_commands_total',
    help: 'Commands sent to printers (print, pause, resume, stop, light, refresh) by outcome (sent, refused, failed)',
    labelNames: ['command', 'outcome'],
    registers: [registry],
  })
  return {
    async track(command, send) {
      try {
        const result = await send()
        total.inc({ command, outcome: 'sent' })
        return result
      } catch (err) {
        total.inc({ command, outcome: commandOutcome(err) })
        throw err
      }
    },
  }
}
