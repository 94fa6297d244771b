// Mirrors each session's state into `printer_status` so `GET /printers` shows live state: written
// on change only, at most once per `throttleMs` per printer, plus a slow heartbeat for lastSeenAt.
import type { BambuPrinter } from '@printforge/bambu'
import { isForeignKeyViolation, type Prisma, SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { emitPrinterTransitions, type PrinterStatusSnapshot } from '@printforge/domain'
import type { Logger } from '@printforge/logger'
import type { Histogram } from '@printforge/metrics'
import type { PrinterManager } from './manager.js'

export interface StatusError {
  code: string
  severity: string
  text: string | null
}

/** The `printer_status` columns derived from a session (everything but lastSeenAt). */
export function statusFields(session: BambuPrinter) {
  const s = session.status
  const errors: StatusError[] = s.hms.map((h) => ({ code: h.code, severity: h.severity, text: h.text }))
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
  lastWriteAt: number
  /** When a report last arrived, and the value last written. */
  seenAt: Date | null
  writtenSeenAt: number
  /** The earliest report not yet in a written row: printforge_printer_status_lag_seconds starts there. */
  unwrittenReportAt: number | null
  reports: number
  timer: NodeJS.Timeout | null
  writing: Promise<void> | null
}

/** lastSeenAt alone is refreshed at most this often (a farm of idle printers writes next to nothing). */
const HEARTBEAT_MS = 15_000

export class StatusWriter {
  private readonly slots = new Map<string, Slot>()
  private heartbeat: NodeJS.Timeout | null = null
  private closed = false

  constructor(
    private readonly o: { db: Db; log: Logger; manager: PrinterManager; throttleMs: number; statusLag?: Histogram },
  ) {
    o.manager.on('status', (id) => this.touch(id, true))
    o.manager.on('connection', (id) => this.touch(id, false))
    o.manager.on('changed', (id) => this.touch(id, false))
    this.heartbeat = setInterval(() => this.beat(), Math.min(HEARTBEAT_MS, 5_000))
    this.heartbeat.unref()
  }

  private slot(id: string): Slot {
    let slot = this.slots.get(id)
    if (!slot) {
      slot = { lastKey: null, lastWriteAt: 0, seenAt: null, writtenSeenAt: 0, unwrittenReportAt: null, reports: 0, timer: null, writing: null }
      this.slots.set(id, slot)
    }
    return slot
  }

  /** Something changed: schedule a write no sooner than throttleMs after the previous one. */
  private touch(id: string, report: boolean): void {
    if (this.closed) return
    const slot = this.slot(id)
    if (report) {
      slot.seenAt = new Date()
      slot.unwrittenReportAt ??= slot.seenAt.getTime()
    }
    if (slot.timer) return
    const delay = Math.max(0, slot.lastWriteAt + this.o.throttleMs - Date.now())
    slot.timer = setTimeout(() => {
      slot.timer = null
      void this.write(id, slot)
    }, delay)
    slot.timer.unref()
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

  private async write(id: string, slot: Slot): Promise<void> {
    if (slot.writing) return void slot.writing.then(() => this.touch(id, false))
    const managed = this.o.manager.get(id)
    if (!managed) return
    const fields = statusFields(managed.session)
    const fieldsKey = JSON.stringify(fields)
    const seenAt = slot.seenAt
    const seenDue = seenAt !== null && seenAt.getTime() - slot.writtenSeenAt >= HEARTBEAT_MS
    // Reports arriving from here on wait for the next write; this one carries the earlier ones.
    const reportAt = slot.unwrittenReportAt
    slot.unwrittenReportAt = null
    // Nothing changed: the reports since the last write are in the row already.
    if (fieldsKey === slot.lastKey && !seenDue) return
    slot.lastWriteAt = Date.now()
    const data = { ...fields, errors: fields.errors as unknown as Prisma.InputJsonArray, ams: fields.ams as unknown as Prisma.InputJsonArray, ...(seenAt ? { lastSeenAt: seenAt } : {}) }
    // printer.offline / printer.error webhooks on the transition only, in the write's transaction.
    slot.writing = withTx(this.o.db, SYSTEM_CONTEXT, async (tx) => {
      const before = await tx.printerStatus.findUnique({ where: { printerId: id }, select: { online: true, connection: true, errors: true } })
      await tx.printerStatus.upsert({ where: { printerId: id }, create: { printerId: id, ...data }, update: data, select: { printerId: true } })
      await emitPrinterTransitions(tx, id, before && { ...before, errors: (Array.isArray(before.errors) ? before.errors : []) as unknown as PrinterStatusSnapshot['errors'] }, fields)
    })
      .then(() => {
        slot.lastKey = fieldsKey
        if (seenAt) slot.writtenSeenAt = seenAt.getTime()
        if (reportAt !== null) this.o.statusLag?.observe((Date.now() - reportAt) / 1000)
      })
      .catch((err: unknown) => {
        // A printer deleted since the last poll: its row cascaded away, nothing to write.
        if (isForeignKeyViolation(err)) return
        // Still unwritten: the retry's lag counts from the same report.
        if (reportAt !== null) slot.unwrittenReportAt = Math.min(reportAt, slot.unwrittenReportAt ?? reportAt)
        this.o.log.warn({ printerId: id, err: (err as Error).message }, 'printer status write failed; retrying')
        setTimeout(() => this.touch(id, false), this.o.throttleMs).unref()
      })
      .finally(() => (slot.writing = null))
    await slot.writing
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.heartbeat) clearInterval(this.heartbeat)
    for (const slot of this.slots.values()) if (slot.timer) clearTimeout(slot.timer)
    await Promise.all([...this.slots.values()].map((s) => s.writing))
  }
}
