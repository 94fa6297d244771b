// scan.ingest (docs/product.md §6): each quarantined upload is sanitized (SCAN_SANITIZE: lossless
// segment filtering by default, or a re-encode), checked to decode, hashed and stored under
// scans/<customer>/<job>/<image>.<ext>; then its quarantine object goes. A bad image fails alone. Idempotent: stored images are skipped on a re-run, object
// keys are deterministic (a re-put overwrites, never duplicates), row updates are conditional.
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { isPendingImage, loadScanJobForIngest, SCAN_BUSY, SCAN_CANCELLED, SCAN_TERMINAL } from '@printforge/domain'
import type { Handler } from '../processor.js'
import { clearQuarantine, discardUploads, finish, giveUp, startProcessing, statusOf, type ScanDeps } from '../scans/job-state.js'
import { ingestImage } from '../scans/store-image.js'

export type { ScanDeps }

export function createScanIngest(shared: ScanDeps): Handler<'scan.ingest'> {
  return async ({ scanJobId }, ctx) => {
    // Every line below (images rejected, uploads discarded, giving up) logs through the job's logger.
    const deps: ScanDeps = { ...shared, log: ctx.log }
    const job = await withTx(deps.db, SYSTEM_CONTEXT, (tx) => loadScanJobForIngest(tx, scanJobId))
    // Deleted: the delete's outbox removes every object the job had.
    if (!job) return
    if (job.status === SCAN_CANCELLED) return discardUploads(deps, job.id)
    // Finished by an attempt that died before clearing quarantine: only the clean-up is left.
    if (SCAN_TERMINAL.includes(job.status)) return clearQuarantine(deps, job.id)
    if (!(await startProcessing(deps.db, job.id))) return afterCancel(deps, job.id)
    try {
      for (const image of job.images) {
        if (!isPendingImage(image.status)) continue
        if (ctx.signal.aborted) throw ctx.signal.reason
        // Cheap check first: a cancelled job should not cost another decode.
        if ((await statusOf(deps.db, job.id)) !== SCAN_BUSY) return afterCancel(deps, job.id)
        if ((await ingestImage(deps, job, image)) === 'gone') return afterCancel(deps, job.id)
      }
      await finish(deps, job.id)
    } catch (err) {
      // The last attempt: record the failure on the job rather than leave it `processing` for
      // the sweeper to re-enqueue forever. A shutdown hands the job back instead.
      if (!ctx.finalAttempt || ctx.signal.aborted) throw err
      await giveUp(deps, job.id, (err as Error)?.message ?? String(err))
    }
  }
}

/** The job left `processing` under us: cancelled (discard its uploads) or deleted (nothing left to do). */
async function afterCancel(deps: ScanDeps, jobId: string): Promise<void> {
  if ((await statusOf(deps.db, jobId)) === SCAN_CANCELLED) await discardUploads(deps, jobId)
}
