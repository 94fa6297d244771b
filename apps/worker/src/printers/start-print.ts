// Sending project_file and confirming it, under the rule that matters most here: a print command
// is never sent twice for one job. The task id is committed to the row BEFORE the command goes
// out; a row that has a task id is never sent again, only confirmed against the printer's own
// report of its task id — even when the worker was killed between sending and recording.
// A command whose outcome is unknown (CONNECTION_LOST, ACK_TIMEOUT, CLOSED: it may have left) is
// settled the same way: by what the printer reports once it is back (start-evidence.ts).
import { BambuCommandError, BUSY_STATES, nextTaskId } from '@printforge/bambu'
import type { Db } from '@printforge/db'
import { LeaseLostError } from '@printforge/domain'
import type { Logger } from '@printforge/logger'
import type { Histogram } from '@printforge/metrics'
import { untraced, type InSpan } from '@printforge/tracing'
import { trackCommand, type CommandMetrics } from '../metrics/commands.js'
import type { LeaseKeeper } from '../leases/lease-keeper.js'
import { type ManagedPrinter, type PrinterManager, WaitTimeout } from './manager.js'
import { failJob, move } from './job-moves.js'
import { reportsJob, watchFreshReports } from './start-evidence.js'

export interface StartJob {
  id: string
  printerId: string
  plate: number
  useAms: boolean
  amsMapping: number[]
  /** Studio's richer mapping, when dispatch planned the trays (docs/bambu-protocol.md §2.4). */
  amsMapping2?: Array<{ amsId: number; slotId: number }>
  bedLeveling: boolean
  timelapse: boolean
  fileName: string
}

export interface StartDeps {
  db: Db
  manager: PrinterManager
  /** This process's printer leases: the task id is recorded only under the printer's current fence. */
  leases?: LeaseKeeper | null
  log: Logger
  confirmTimeoutMs: number
  /** Called once a job is printing, so its progress is followed at once. */
  onPrinting: (printerId: string) => void
  /** Test hook: runs after the task id is committed and before project_file is sent. */
  beforeSend?: (jobId: string) => Promise<void>
  /** printforge_printer_commands_total and printforge_dispatch_start_latency_seconds, when measured. */
  commands?: CommandMetrics
  dispatchStart?: Histogram
  /** The span around project_file when tracing is on (the job's consumer span is its parent). */
  inSpan?: InSpan
}

/**
 * Retry later: nothing was sent (or what was sent is not confirmed yet). After a task id was
 * recorded a retry only confirms, never sends: START_UNCONFIRMED = the printer is back and reports
 * something else (clearly not started); START_UNKNOWN = it has not been back to say.
 */
export class RetryableDispatchError extends Error {
  constructor(readonly code: string, message: string) {
    super(message)
  }
}

/** Errors raised before anything reached the printer. */
const NOT_SENT = new Set(['NOT_CONNECTED', 'PRINTER_BUSY', 'STATE_UNKNOWN'])

/** Records a task id, sends project_file once, then confirms. Returns false if the job moved on. */
export async function sendAndConfirm(deps: StartDeps, job: StartJob, printer: ManagedPrinter, remotePath: string, signal: AbortSignal): Promise<void> {
  let taskId = nextTaskId()
  // Never reuse the id the printer reports now (a previous job started within the same second).
  if (String(taskId) === printer.session.status.taskId) taskId = nextTaskId()
  // The decision to send, fenced: a process that lost the printer's lease records nothing here.
  const leases = deps.leases
  const recorded = await move(deps.db, 'recordTask', {
    jobId: job.id,
    data: { taskId },
    details: { printerId: job.printerId, taskId, ...(job.amsMapping2 ? { useAms: job.useAms, amsMapping: job.amsMapping } : {}) },
  }, leases ? (tx) => leases.assertHeld(tx, job.printerId) : undefined)
  if (!recorded) return // cancelled during the upload: nothing was sent
  const committedAt = Date.now()
  await deps.beforeSend?.(job.id)
  try {
    // Paused or cut off since the commit: the lease may be someone else's now, so nothing is sent.
    leases?.assertHeldLocally(job.printerId)
    const send = () => trackCommand(deps.commands, 'print', () => printer.session.startProjectFile({
      remotePath,
      taskId,
      plate: job.plate,
      subtaskName: subtaskName(job.fileName),
      useAms: job.useAms,
      amsMapping: job.amsMapping,
      ...(job.amsMapping2 ? { amsMapping2: job.amsMapping2 } : {}),
      bedLeveling: job.bedLeveling,
      timelapse: job.timelapse,
    }))
    await (deps.inSpan ?? untraced)('printer project_file', { 'printforge.printer_id': job.printerId, 'printforge.manufacturing_job_id': job.id, 'printforge.task_id': taskId }, send)
    // The line that ties the printer command to the job (and, through the job's logger, to its request).
    deps.log.info({ manufacturingJobId: job.id, printerId: job.printerId, taskId, plate: job.plate }, 'project_file sent')
  } catch (err) {
    if (err instanceof LeaseLostError) {
      await move(deps.db, 'giveBackTask', { jobId: job.id, data: { taskId: null }, details: { notSent: 'LEASE_LOST' } })
      throw err
    }
    // Anything but a definite answer, typed or not, leaves the outcome unknown: confirm below.
    if (!(err instanceof BambuCommandError)) {
      deps.log.warn({ manufacturingJobId: job.id, err: err instanceof Error ? err.message : String(err) }, 'project_file failed untyped; confirming from the printer state')
      return confirmStart(deps, job.id, job.printerId, taskId, signal, committedAt)
    }
    if (NOT_SENT.has(err.code)) {
      // Provably unsent: give the task id back so a later attempt may send.
      await move(deps.db, 'giveBackTask', { jobId: job.id, data: { taskId: null }, details: { notSent: err.code } })
      throw new RetryableDispatchError(err.code === 'PRINTER_BUSY' ? 'PRINTER_BUSY' : 'PRINTER_OFFLINE', err.message)
    }
    if (err.code === 'CONTROL_DISABLED') {
      await failJob(deps.db, job.id, 'CONTROL_DISABLED', 'The printer refused the print: Developer Mode is off, so it only accepts signed commands.')
      return
    }
    if (err.code === 'REJECTED') {
      const code = err.printerError ?? 'REJECTED'
      await failJob(deps.db, job.id, code, `The printer refused the print${err.printerError ? ` (${err.printerError})` : ''}: ${err.message}`.slice(0, 500))
      return
    }
    // CONNECTION_LOST, ACK_TIMEOUT, CLOSED: it may have been delivered. Confirm; never resend.
    deps.log.warn({ manufacturingJobId: job.id, code: err.code }, 'project_file outcome unknown; confirming from the printer state')
  }
  await confirmStart(deps, job.id, job.printerId, taskId, signal, committedAt)
}

/**
 * Waits until the printer reports `taskId`, then moves the job to printing. Used right after
 * sending and by a later attempt that finds the job in `starting` (it never sends again).
 * `committedAt`, when this attempt committed the task id, times the start; a later attempt
 * does not know when that was, so it observes nothing.
 */
export async function confirmStart(deps: StartDeps, jobId: string, printerId: string, taskId: number, signal: AbortSignal, committedAt?: number): Promise<void> {
  const reports = watchFreshReports(deps.manager, printerId)
  // Ask for the whole state now: an idle P1 may not report on its own for a minute (§1.4).
  deps.manager.get(printerId)?.session.pushall().catch(() => {})
  try {
    await deps.manager.waitFor(printerId, (p) => reportsJob(p, taskId, jobId), deps.confirmTimeoutMs, signal)
  } catch (err) {
    if (!(err instanceof WaitTimeout)) throw err
    if (!reports.fresh()) {
      // Offline, frozen or silent the whole time: it may be printing this job. Never resend, never
      // fail it as unsent; a later attempt (or the sweeper's re-enqueue) confirms again.
      throw new RetryableDispatchError('START_UNKNOWN', `printer has not reported since the print command (task ${taskId}) within ${deps.confirmTimeoutMs} ms: whether it started is unknown`)
    }
    throw new RetryableDispatchError('START_UNCONFIRMED', `printer has not reported task ${taskId} within ${deps.confirmTimeoutMs} ms`)
  } finally {
    reports.stop()
  }
  const moved = await move(deps.db, 'confirmStart', { jobId, data: { startedAt: new Date() }, details: { printerId, taskId } })
  if (moved) {
    if (committedAt !== undefined) deps.dispatchStart?.observe((Date.now() - committedAt) / 1000)
    deps.log.info({ manufacturingJobId: jobId, printerId, taskId }, 'print started')
    deps.onPrinting(printerId)
    return
  }
  // Cancelled while starting: the print began anyway, so stop it now.
  const printer = deps.manager.get(printerId)
  const status = printer?.session.status
  if (printer && status?.taskId === String(taskId) && BUSY_STATES.has(status.gcodeState ?? '')) {
    await trackCommand(deps.commands, 'stop', () => printer.session.stop()).catch((e: Error) => deps.log.warn({ manufacturingJobId: jobId, err: e.message }, 'stop after cancel failed'))
  }
}

/** The name shown on the printer: the client's file name, reduced to harmless characters. */
function subtaskName(fileName: string): string {
  const base = fileName.replace(/\.gcode\.3mf$|\.3mf$/i, '').replace(/[^A-Za-z0-9 ._-]/g, '_').slice(0, 64)
  return base || 'printforge'
}
