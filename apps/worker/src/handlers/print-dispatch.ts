// print.dispatch (docs/product.md §4.5, §6): choose and claim a printer, upload the model over FTPS,
// send project_file exactly once, confirm the start. Following the print to FINISH/FAILED is the
// PrintFollower's job (it survives restarts without holding a queue job for hours).
import { BambuCommandError, BambuUploadError, IDLE_STATES } from '@printforge/bambu'
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { describeNeeds, dispatchStep, holdsClaim, idlePrintersHeldElsewhere, LeaseLostError, loadPrintJobForDispatch, storedNeeds, type ClaimHooks, type DispatchJob } from '@printforge/domain'
import { holdOrHandOn, NotHolderError } from '../leases/route.js'
import type { Handler, JobContext } from '../processor.js'
import { isReady, WaitTimeout, type ManagedPrinter, type PrinterManager } from '../printers/manager.js'
import { confirmStart, RetryableDispatchError, sendAndConfirm, type StartDeps } from '../printers/start-print.js'
import { claim as claimFor, failJob } from '../printers/job-moves.js'
import { ModelIntegrityError, uploadModel, type UploadDeps } from '../printers/upload-model.js'
import { filamentPlan, requireFilaments } from '../printers/filament-plan.js'

export interface DispatchDeps extends StartDeps, UploadDeps {
  db: Db
  manager: PrinterManager
  /** Longest wait for a printer's session to be online with a reported state. */
  readyTimeoutMs: number
  claimHooks?: ClaimHooks
}

type JobRow = DispatchJob

const loadJob = (db: Db, id: string) => withTx(db, SYSTEM_CONTEXT, (tx) => loadPrintJobForDispatch(tx, id))

export function createPrintDispatch(shared: DispatchDeps): Handler<'print.dispatch'> {
  return async ({ manufacturingJobId }, ctx) => {
    // Everything below (upload, project_file, confirmation) logs through the job's logger.
    const deps: DispatchDeps = { ...shared, log: ctx.log }
    const job = await loadJob(deps.db, manufacturingJobId)
    if (!job) return
    try {
      const step = dispatchStep(job.status)
      if (step === 'dispatch') await dispatch(deps, job, ctx)
      else if (step === 'confirm' && job.printerId && job.taskId !== null) {
        // An earlier attempt recorded a task id: it may have sent. Confirm only, never resend.
        await holdOrHandOn(deps.leases ?? null, deps.db, job.printerId, ctx)
        await confirmStart(deps, job.id, job.printerId, job.taskId, ctx.signal)
      }
      // printing: followed by the PrintFollower; terminal: nothing to do.
    } catch (err) {
      if (ctx.signal.aborted) throw err
      // The printer's lease moved while this attempt ran: nothing was sent; its holder takes over.
      if (err instanceof LeaseLostError) {
        ctx.log.info({ manufacturingJobId, printerId: err.printerId }, 'printer lease lost during the dispatch; nothing sent, the job goes to the holder')
        if (ctx.defer) await ctx.defer(150)
      }
      if (err instanceof NotHolderError) throw err
      const permanent = err instanceof ModelIntegrityError || (err instanceof BambuUploadError && (err.code === 'UNTRUSTED' || err.code === 'AUTH_FAILED'))
      if (err instanceof RetryableDispatchError && err.code === 'START_UNKNOWN') {
        // The printer may be printing this job and has not been back to say: the job stays
        // `starting` (it keeps its printer, and its task id forbids a second print command). The
        // attempt fails; the sweeper re-enqueues a confirm-only attempt (MAX_REQUEUES times, then
        // RETRIES_EXHAUSTED) until the printer's own report settles it.
        if (ctx.finalAttempt) deps.log.error({ manufacturingJobId: job.id, printerId: job.printerId, err: err.message }, 'print start unknown after the last attempt; left starting for the sweeper to confirm')
        throw err
      }
      if (permanent || ctx.finalAttempt) {
        const code = err instanceof RetryableDispatchError ? err.code : err instanceof BambuUploadError ? `UPLOAD_${err.code}` : permanent ? 'MODEL_MISMATCH' : 'DISPATCH_FAILED'
        const reason = err instanceof Error ? err.message : 'dispatch failed'
        // A job that may have been sent is only failed from `starting`; printing jobs are the follower's.
        await failJob(deps.db, job.id, code, reason.slice(0, 500), { attempt: ctx.attempt }, 'failDispatch')
        return
      }
      throw err
    }
  }
}

async function dispatch(deps: DispatchDeps, job: JobRow, ctx: JobContext): Promise<void> {
  const printer = await choosePrinter(deps, job, ctx)
  if (!printer) return
  const remotePath = await uploadModel(deps, job, printer.info, ctx.signal)
  // The upload took a while: the lease may have moved (a worker joined), and the printer must still
  // be idle and controllable before we send.
  deps.leases?.assertHeldLocally(printer.info.id)
  assertSendable(printer)
  // The trays as loaded now (they may have changed during the upload) decide the mapping sent.
  const plan = requireFilaments(job, printer)
  const mapping = plan ? { useAms: plan.useAms, amsMapping: plan.amsMapping, amsMapping2: plan.amsMapping2 } : {}
  await sendAndConfirm(deps, { ...job, ...mapping, printerId: printer.info.id }, printer, remotePath, ctx.signal)
}

/** The claimed printer, or null when the job moved on (cancelled) meanwhile. */
async function choosePrinter(deps: DispatchDeps, job: JobRow, ctx: JobContext): Promise<ManagedPrinter | null> {
  if (job.printerId) {
    await holdOrHandOn(deps.leases ?? null, deps.db, job.printerId, ctx)
    const printer = await readyPrinter(deps, job.printerId, ctx)
    assertSendable(printer)
    requireFilaments(job, printer)
    if (!(await controlEnabled(deps, printer))) {
      await failJob(deps.db, job.id, 'CONTROL_DISABLED', `Printer ${printer.info.name} has Developer Mode off: it refuses unsigned commands, so nothing was uploaded or sent.`)
      return null
    }
    // Our own claim from an earlier attempt (status uploading) stands; otherwise claim now.
    if (holdsClaim(job.status)) return printer
    return (await claim(deps, job.id, printer)) ? printer : null
  }
  if (!job.requestedModel) {
    await failJob(deps.db, job.id, 'PRINTER_REMOVED', 'The job names no printer and no printer model.')
    return null
  }
  await deps.manager.sync()
  const idle = deps.manager
    .list()
    .filter((p) => p.info.model === job.requestedModel && isReady(p) && p.session.status.controlEnabled && IDLE_STATES.has(p.session.status.gcodeState ?? ''))
    .sort((a, b) => a.info.name.localeCompare(b.info.name) || a.info.id.localeCompare(b.info.id))
  // Filament-aware jobs go only to a printer whose loaded trays match every filament the plate needs.
  const candidates = idle.filter((p) => filamentPlan(job, p)?.ok !== false)
  for (const printer of candidates) {
    try {
      if (!(await controlEnabled(deps, printer))) continue
      if (await claim(deps, job.id, printer)) return printer
      return null
    } catch (err) {
      if (!(err instanceof RetryableDispatchError)) throw err
    }
  }
  // None of this process's printers can take it now; another worker may hold an idle one that can.
  const leases = deps.leases
  if (leases && ctx.defer) {
    const needs = job.amsMapping.length === 0 ? storedNeeds(job.filaments) : null
    const elsewhere = await withTx(deps.db, SYSTEM_CONTEXT, (tx) => idlePrintersHeldElsewhere(tx, job.requestedModel!, leases.memberId, [...IDLE_STATES], needs))
    if (elsewhere > 0) await ctx.defer(150)
  }
  if (idle.length > 0 && candidates.length === 0) {
    const plan = filamentPlan(job, idle[0]!)
    throw new RetryableDispatchError('FILAMENT_MISMATCH', `no idle ${job.requestedModel} printer has the filaments loaded (${idle[0]!.info.name} lacks ${plan && !plan.ok ? describeNeeds(plan.missing) : 'them'})`)
  }
  throw new RetryableDispatchError('NO_IDLE_PRINTER', `no online, idle, control-enabled ${job.requestedModel} printer is free`)
}

async function readyPrinter(deps: DispatchDeps, printerId: string, ctx: JobContext): Promise<ManagedPrinter> {
  if (!deps.manager.get(printerId)) await deps.manager.sync()
  if (!deps.manager.get(printerId)) throw new RetryableDispatchError('PRINTER_REMOVED', 'the printer is not registered (or its access code cannot be decrypted)')
  try {
    return await deps.manager.waitFor(printerId, isReady, deps.readyTimeoutMs, ctx.signal)
  } catch (err) {
    if (err instanceof WaitTimeout) throw new RetryableDispatchError('PRINTER_OFFLINE', `printer is ${deps.manager.get(printerId)?.session.state ?? 'gone'}`)
    throw err
  }
}

/**
 * Developer Mode, known before anything is uploaded: from `fun`, an earlier refusal, or a probe
 * (P1/A1 send no `fun`). A probe the printer does not answer leaves it unknown; the print is then
 * tried, and a refused project_file still fails the job with CONTROL_DISABLED.
 */
async function controlEnabled(deps: DispatchDeps, printer: ManagedPrinter): Promise<boolean> {
  try {
    return await printer.session.probeControl()
  } catch (err) {
    if (err instanceof BambuCommandError && err.code === 'ACK_TIMEOUT') {
      deps.log.warn({ printerId: printer.info.id }, 'Developer Mode probe unanswered; trying the print')
      return true
    }
    if (err instanceof BambuCommandError) throw new RetryableDispatchError(err.code === 'PRINTER_BUSY' ? 'PRINTER_BUSY' : 'PRINTER_OFFLINE', err.message)
    throw err
  }
}

function assertSendable(printer: ManagedPrinter): void {
  const state = printer.session.status.gcodeState ?? 'unknown'
  if (printer.session.state !== 'online') throw new RetryableDispatchError('PRINTER_OFFLINE', `printer is ${printer.session.state}`)
  if (!IDLE_STATES.has(state)) throw new RetryableDispatchError('PRINTER_BUSY', `printer is ${state}`)
}

/** true when claimed; false when the job moved on; throws (retry) when another job holds it. */
async function claim(deps: DispatchDeps, jobId: string, printer: ManagedPrinter): Promise<boolean> {
  const result = await claimFor(deps.db, jobId, printer.info.id, deps.claimHooks)
  if (result === 'claimed') {
    deps.log.info({ manufacturingJobId: jobId, printerId: printer.info.id }, 'printer claimed')
    return true
  }
  if (result === 'job_moved') return false
  throw new RetryableDispatchError(result === 'printer_missing' ? 'PRINTER_REMOVED' : 'PRINTER_BUSY', `printer ${printer.info.name} is ${result.replace(/_/g, ' ')}`)
}
