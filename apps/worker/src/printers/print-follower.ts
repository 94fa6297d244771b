// Follows printing jobs to FINISH/FAILED from the printers' reports (docs/product.md §4.5), records
// progress, and stops prints whose job was cancelled. Transitions are conditional updates, so
// several worker processes following the same printer still move each job exactly once.
import { BUSY_STATES, USER_ACTION_CODES, type PrinterStatus } from '@printforge/bambu'
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { followedPrintJobs, isPrinting, recordPrintProgress } from '@printforge/domain'
import type { Logger } from '@printforge/logger'
import { ALERTS } from '../alerts.js'
import { isReady, type PrinterManager } from './manager.js'
import { failJob, move } from './job-moves.js'

interface Followed {
  jobId: string
  taskId: number
  /** false: the job was cancelled and its print is watched so it can be stopped. */
  printing: boolean
  /** When the printer was first seen reporting another task while this one should run. */
  mismatchSince: number | null
  progress: number
  progressWrittenAt: number
  stopSentAt: number
}

export interface FollowerOptions {
  db: Db
  manager: PrinterManager
  log: Logger
  pollMs: number
  /** How long the printer may report another task before the job is failed as lost. */
  taskLostMs: number
  progressThrottleMs: number
}

/** Cancelled jobs are watched this long for a print that still runs (stop is re-sent every 10 s). */
const CANCEL_WATCH_MS = 10 * 60_000

export class PrintFollower {
  private followed = new Map<string, Followed>()
  /** One evaluation at a time per printer. */
  private readonly chains = new Map<string, Promise<void>>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly o: FollowerOptions) {
    o.manager.on('status', (printerId) => this.evaluate(printerId))
    o.manager.on('connection', (printerId) => this.evaluate(printerId))
  }

  async start(): Promise<void> {
    await this.refresh()
    this.timer = setInterval(() => {
      this.refresh().catch((err: Error) => this.o.log.warn({ err: err.message }, 'print follower refresh failed'))
    }, this.o.pollMs)
    this.timer.unref()
  }

  /** Reloads the printing (and recently cancelled) jobs, then evaluates every followed printer. */
  async refresh(): Promise<void> {
    const rows = await withTx(this.o.db, SYSTEM_CONTEXT, (tx) => followedPrintJobs(tx, new Date(Date.now() - CANCEL_WATCH_MS)))
    const next = new Map<string, Followed>()
    for (const row of rows) {
      if (!row.printerId || row.taskId === null) continue
      const previous = this.followed.get(row.printerId)
      const same = previous?.jobId === row.id ? previous : null
      // A printing job wins over a cancelled one on the same printer.
      if (next.get(row.printerId)?.printing && !isPrinting(row.status)) continue
      next.set(row.printerId, {
        jobId: row.id,
        taskId: row.taskId,
        printing: isPrinting(row.status),
        mismatchSince: same?.mismatchSince ?? null,
        progress: same?.progress ?? row.progress,
        progressWrittenAt: same?.progressWrittenAt ?? 0,
        stopSentAt: same?.stopSentAt ?? 0,
      })
    }
    this.followed = next
    for (const printerId of next.keys()) this.evaluate(printerId)
  }

  /** A job just started printing on this printer: follow it now rather than at the next poll. */
  nudge(): void {
    this.refresh().catch((err: Error) => this.o.log.warn({ err: err.message }, 'print follower refresh failed'))
  }

  private evaluate(printerId: string): void {
    if (!this.followed.has(printerId)) return
    const previous = this.chains.get(printerId) ?? Promise.resolve()
    const next = previous
      .then(() => this.step(printerId))
      .catch((err: Error) => this.o.log.warn({ printerId, err: err.message }, 'print follow step failed; retried on the next report'))
    this.chains.set(printerId, next)
    void next.finally(() => {
      if (this.chains.get(printerId) === next) this.chains.delete(printerId)
    })
  }

  private async step(printerId: string): Promise<void> {
    const f = this.followed.get(printerId)
    const printer = this.o.manager.get(printerId)
    if (!f || !printer || !isReady(printer)) return
    const s = printer.session.status
    const ours = s.taskId === String(f.taskId)
    if (!f.printing) {
      if (ours && BUSY_STATES.has(s.gcodeState ?? '') && Date.now() - f.stopSentAt > 10_000) {
        f.stopSentAt = Date.now()
        this.o.log.info({ printerId, manufacturingJobId: f.jobId }, 'stopping the print of a cancelled job')
        await printer.session.stop()
      }
      return
    }
    if (!ours) return this.onMismatch(printerId, f, s)
    f.mismatchSince = null
    if (s.gcodeState === 'FINISH') {
      await move(this.o.db, 'complete', { jobId: f.jobId, data: { progress: 100, finishedAt: new Date() }, details: { printerId, taskId: f.taskId } })
      this.followed.delete(printerId)
    } else if (s.gcodeState === 'FAILED') {
      const { code, reason } = describeFailure(s)
      const failed = await failJob(this.o.db, f.jobId, code, reason, { printerId, taskId: f.taskId }, 'failPrint')
      // Stopped by someone at the printer is not an error; anything else needs a look at the printer.
      if (failed && !(s.printError && USER_ACTION_CODES.has(s.printError))) {
        this.o.log.error({ alert: ALERTS.printerError, printerId, manufacturingJobId: f.jobId, code }, 'ALERT: print failed on the printer')
      }
      this.followed.delete(printerId)
    } else if (s.progressPercent !== null && s.progressPercent !== f.progress && Date.now() - f.progressWrittenAt >= this.o.progressThrottleMs) {
      const progress = Math.max(0, Math.min(100, Math.round(s.progressPercent)))
      f.progress = progress
      f.progressWrittenAt = Date.now()
      await withTx(this.o.db, SYSTEM_CONTEXT, (tx) => recordPrintProgress(tx, f.jobId, progress))
    }
  }

  private async onMismatch(printerId: string, f: Followed, s: PrinterStatus): Promise<void> {
    f.mismatchSince ??= Date.now()
    if (Date.now() - f.mismatchSince < this.o.taskLostMs) return
    await failJob(
      this.o.db, f.jobId, 'TASK_LOST',
      `The printer reports task ${s.taskId ?? 'none'} (${s.gcodeState ?? 'unknown'}) instead of this job's task ${f.taskId}; it was replaced or the printer restarted.`,
      { printerId, taskId: f.taskId }, 'failPrint',
    )
    this.followed.delete(printerId)
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await Promise.all(this.chains.values())
  }
}

/** Maps a FAILED report to the job's errorCode and a human reason (HMS first, then print_error). */
export function describeFailure(s: PrinterStatus): { code: string; reason: string } {
  const hms = s.hms.find((h) => h.severity !== 'info') ?? s.hms[0]
  if (hms) return { code: hms.code, reason: `HMS ${hms.code} (${hms.severity}): ${hms.text ?? 'no description known for this code'}` }
  if (s.printError && USER_ACTION_CODES.has(s.printError)) {
    return { code: s.printError, reason: `Stopped at the printer: ${s.printErrorText ?? 'the task was canceled'}` }
  }
  if (s.printError) return { code: s.printError, reason: `print_error ${s.printError}: ${s.printErrorText ?? 'no description known for this code'}` }
  return { code: 'PRINT_FAILED', reason: 'The printer reported FAILED without an error code.' }
}
