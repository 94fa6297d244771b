// printforge_printers{state} and the per-printer gauges (up, error, untrusted, active_job),
// computed once per scrape from the sessions this process holds and the active jobs.
import { BUSY_STATES, type BambuPrinter } from '@printforge/bambu'
import { Gauge, type Registry } from '@printforge/metrics'
import type { PrinterManager } from '../printers/manager.js'
import type { ActiveJobs } from './active-jobs.js'
import { perScrape } from './scrape-read.js'

const STATES = ['online', 'offline', 'connecting', 'printing', 'error', 'untrusted', 'auth_failed', 'control_disabled'] as const
type PrinterState = (typeof STATES)[number]

/** A print error or an HMS entry above `info`: what the dashboard shows as the printer's error. */
export const reportsError = (session: BambuPrinter) => {
  const s = session.status
  return s.printError !== null || s.hms.some((h) => h.severity !== 'info')
}

/** The states a printer counts in: its connection state, plus printing / error / control_disabled while online. */
function statesOf(session: BambuPrinter): PrinterState[] {
  const states: PrinterState[] = [session.state]
  if (session.state !== 'online') return states
  if (BUSY_STATES.has(session.status.gcodeState ?? '')) states.push('printing')
  if (reportsError(session)) states.push('error')
  if (!session.status.controlEnabled) states.push('control_disabled')
  return states
}

interface Snapshot {
  counts: Record<PrinterState, number>
  printers: Array<{ id: string; up: number; error: number; untrusted: number; activeJob: number }>
}

export function registerPrinterMetrics(registry: Registry, manager: PrinterManager, activeJobs: ActiveJobs): void {
  const snapshot = perScrape(async (): Promise<Snapshot> => {
    const active = await activeJobs.read()
    const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<PrinterState, number>
    // Printer ids are those of registered printers only (a bounded set), never anything a printer sent.
    const printers = manager.list().map(({ info, session }) => {
      for (const state of statesOf(session)) counts[state]++
      const online = session.state === 'online'
      return { id: info.id, up: online ? 1 : 0, error: online && reportsError(session) ? 1 : 0, untrusted: session.state === 'untrusted' ? 1 : 0, activeJob: active.has(info.id) ? 1 : 0 }
    })
    return { counts, printers }
  })

  new Gauge({
    name: 'printforge_printers',
    help: 'Printers this process holds, by state (a printing printer is also online)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { counts } = await snapshot()
      for (const state of STATES) this.set({ state }, counts[state])
    },
  })
  const perPrinter = (name: string, help: string, value: (p: Snapshot['printers'][number]) => number) =>
    new Gauge({
      name, help, labelNames: ['printer_id'], registers: [registry],
      async collect() {
        const { printers } = await snapshot()
        // Rebuilt every scrape: a printer no longer held leaves no series behind.
        this.reset()
        for (const p of printers) this.set({ printer_id: p.id }, value(p))
      },
    })
  perPrinter('printforge_printer_up', '1 while the MQTT session to the printer is online', (p) => p.up)
  perPrinter('printforge_printer_error', '1 while the printer reports a print error or an HMS error', (p) => p.error)
  perPrinter('printforge_printer_untrusted', "1 while the printer's certificate is not the trusted one", (p) => p.untrusted)
  perPrinter('printforge_printer_active_job', '1 while a manufacturing job is dispatched to or printing on the printer', (p) => p.activeJob)
}
