// Mirrors each session's state into `printer_status` so `GET /printers` shows live state. Written
// on change only, plus a slow heartbeat for lastSeenAt, and in batches: every changed printer
// waits for the next flush (at most `flushMs` after the previous one), and a flush writes all of
// them in one transaction and one statement (writePrinterStatuses). One transaction per printer
// per report was PostgreSQL's heaviest load at 500 printers (the fleet soak benchmark).
import type { BambuPrinter } from '@printforge/bambu'
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { writePrinterStatuses, type PrinterStatusFields, type PrinterStatusWrite } from '@printforge/domain'
import type { Logger } from '@printforge/logger'
import type { Histogram } from '@printforge/metrics'
import type { PrinterManager } from './manager.js'

/** The `printer_status` columns derived from a session (everything but lastSeenAt). */
export function statusFields(session: BambuPrinter): PrinterStatusFields {
  const s = session.status
  const errors = s.hms.map((h) => ({ code: h.code, severity: h.severity, text: h.text }))
  if (s.printError) errors.push({ code: s.printError, severity: 'serious', text: s.printErrorText })
  return {
    connection: session.state,
    online: session.state === 'online',
    controlEnabled: s.controlEnabled,
    gcodeState: s.gcodeState?.slice(0, 32) ?? null,
    progress: s.progressPercent === null ? null : Math.round(s.progressPercent),
    remainingMinutes: s.remainingMinutes === null ? null : Math.round(s.remainingMinutes),
    layer: s.layer === null ? null : Math.round(s.layer),
    totalLayers: s.totalLayers === null ? null : Math.round(s.totalLayers),
    nozzleTemp: s.nozzles[0]?.current ?? null,
    bedTemp: s.bed?.current ?? null,
    chamberTemp: s.chamber,
    taskId: s.taskId?.slice(0, 64) ?? null,
    errors,
    // What is loaded (docs/bambu-protocol.md §3.6): read by the API's dispatch check (packages/domain/src/filaments).
    ams: s.ams,
  }
}

interface Slot {
  lastKey: string | null
  /** When a report last arrived, and the value last written. */
  seenAt: Date | null
  writtenSeenAt: number
  /** The earliest report not yet in a written row: printforge_printer_status_lag_seconds starts there. */
  unwrittenReportAt: number | null
  reports: number
}

/** lastSeenAt alone is refreshed at most this often (a farm of idle printers writes next to nothing). */
const HEARTBEAT_MS = 15_000
/** After a failed flush (database unreachable), the next waits this long: one warning a second at most. */
const RETRY_MS = 1_000

export interface StatusWriterOptions {
  db: Db
  log: Logger
  manager: PrinterManager
  /** This process's lease membership: rows of printers another worker holds are not written. */
  memberId: string
  /** A change is written within this long (plus the write itself). */
  flushMs: number
  statusLag?: Histogram
}

export class StatusWriter {
  private readonly slots = new Map<string, Slot>()
  /** Printers with something new since their last write: the next flush looks at these only. */
  private readonly dirty = new Set<string>()
  private heartbeat: NodeJS.Timeout | null = null
  private timer: NodeJS.Timeout | null = null
  private flushing: Promise<void> | null = null
  private lastFlushAt = 0
  private failing = false
  private closed = false

  constructor(private readonly o: StatusWriterOptions) {
    o.manager.on('status', (id) => this.touch(id, true))
    o.manager.on('connection', (id) => this.touch(id, false))
    o.manager.on('changed', (id) => this.touch(id, false))
    this.heartbeat = setInterval(() => this.beat(), Math.min(HEARTBEAT_MS, 5_000))
    this.heartbeat.unref()
  }

  private slot(id: string): Slot {
    let slot = this.slots.get(id)
    if (!slot) {
      slot = { lastKey: null, seenAt: null, writtenSeenAt: 0, unwrittenReportAt: null, reports: 0 }
      this.slots.set(id, slot)
    }
    return slot
  }

  /** Something changed: the printer is written at the next flush. */
  private touch(id: string, report: boolean): void {
    if (this.closed) return
    const slot = this.slot(id)
    if (report) {
      slot.seenAt = new Date()
      slot.unwrittenReportAt ??= slot.seenAt.getTime()
    }
    this.dirty.add(id)
    this.schedule()
  }

  private schedule(): void {
    if (this.timer || this.flushing || this.closed) return
    const delay = this.failing ? RETRY_MS : Math.max(0, this.lastFlushAt + this.o.flushMs - Date.now())
    this.timer = setTimeout(() => {
      this.timer = null
      this.flushing = this.flush().finally(() => {
        this.flushing = null
        if (this.dirty.size > 0) this.schedule()
      })
    }, delay)
    this.timer.unref()
  }

  /** Reports that changed nothing still prove the printer is alive: refresh lastSeenAt slowly. */
  private beat(): void {
    for (const managed of this.o.manager.list()) {
      const slot = this.slot(managed.info.id)
      const reports = managed.session.stats.reports
      if (reports !== slot.reports) {
        slot.reports = reports
        slot.seenAt = new Date()
      }
      if (slot.seenAt && slot.seenAt.getTime() - slot.writtenSeenAt >= HEARTBEAT_MS) this.touch(managed.info.id, false)
    }
  }

  private async flush(): Promise<void> {
    this.lastFlushAt = Date.now()
    const batch: Array<{ write: PrinterStatusWrite; slot: Slot; key: string; reportAt: number | null }> = []
    const due = [...this.dirty]
    this.dirty.clear()
    for (const id of due) {
      const slot = this.slot(id)
      const managed = this.o.manager.get(id)
      // No longer a session here (lease given back, printer removed): its holder writes it now.
      if (!managed) {
        this.slots.delete(id)
        continue
      }
      const fields = statusFields(managed.session)
      const key = JSON.stringify(fields)
      const seenAt = slot.seenAt
      const seenDue = seenAt !== null && seenAt.getTime() - slot.writtenSeenAt >= HEARTBEAT_MS
      // Reports arriving from here on wait for the next flush; this one carries the earlier ones.
      const reportAt = slot.unwrittenReportAt
      slot.unwrittenReportAt = null
      // Nothing changed: the reports since the last write are in the row already.
      if (key === slot.lastKey && !seenDue) continue
      batch.push({ write: { printerId: id, fields, lastSeenAt: seenAt }, slot, key, reportAt })
    }
    if (batch.length === 0) return
    try {
      // printer.offline / printer.error webhooks on the transition only, in the write's transaction.
      const written = await withTx(this.o.db, SYSTEM_CONTEXT, (tx) => writePrinterStatuses(tx, this.o.memberId, batch.map((b) => b.write)))
      if (this.failing) this.o.log.info({ printers: batch.length }, 'printer status writes work again')
      this.failing = false
      const now = Date.now()
      for (const { write, slot, key, reportAt } of batch) {
        // Left out (another worker holds the printer, or it was deleted): nothing to retry.
        if (!written.has(write.printerId)) continue
        slot.lastKey = key
        if (write.lastSeenAt) slot.writtenSeenAt = write.lastSeenAt.getTime()
        if (reportAt !== null) this.o.statusLag?.observe((now - reportAt) / 1000)
      }
    } catch (err) {
      // Still unwritten: retried whole, and each retry's lag counts from the same report.
      for (const { write, slot, reportAt } of batch) {
        this.dirty.add(write.printerId)
        if (reportAt !== null) slot.unwrittenReportAt = Math.min(reportAt, slot.unwrittenReportAt ?? reportAt)
      }
      if (!this.failing) this.o.log.warn({ printers: batch.length, err: (err as Error).message }, 'printer status write failed; retrying every second')
      this.failing = true
    }
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.heartbeat) clearInterval(this.heartbeat)
    if (this.timer) clearTimeout(this.timer)
    await this.flushing
  }
}
