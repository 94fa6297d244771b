// A scan job's moves in the worker, each one transaction with its audit row (the rules live in
// packages/domain/src/scans). The API moves jobs too (cancel, delete): every move is conditional
// on the state it expects, so whichever side commits first wins and the other sees it.
import { drainDeletions, SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { discardPendingUploads, finishScanJob, giveUpScanJob, scanStatusOf, startScanProcessing, type ScanStatus } from '@printforge/domain'
import type { Logger } from '@printforge/logger'
import { quarantinePrefix, type ObjectStore } from '@printforge/storage'
import type { ScanMetrics } from '../metrics/scans.js'
import type { SanitizeMode } from './sanitize/index.js'

/** What the job's moves need (the maintenance sweep gives up on jobs too). */
export interface JobStateDeps {
  db: Db
  store: ObjectStore
  log: Logger
}

export interface ScanDeps extends JobStateDeps {
  /** SCAN_SANITIZE: how an upload becomes the stored image. */
  sanitize: SanitizeMode
  /** printforge_scan_images_total; absent where a handler is built on its own (tests). */
  metrics?: ScanMetrics
}

/** queued → processing; true when this attempt may work on the job (see startScanProcessing). */
export function startProcessing(db: Db, jobId: string): Promise<boolean> {
  return withTx(db, SYSTEM_CONTEXT, (tx) => startScanProcessing(tx, jobId))
}

/** The job's current status, or null when it was deleted. */
export function statusOf(db: Db, jobId: string): Promise<ScanStatus | null> {
  return withTx(db, SYSTEM_CONTEXT, (tx) => scanStatusOf(tx, jobId))
}

/**
 * A cancelled job keeps nothing it has not stored: its quarantined image rows go, and its
 * quarantine objects through the deletion outbox (removed now, or by the sweep's retries).
 */
export async function discardUploads(deps: JobStateDeps, jobId: string): Promise<void> {
  const discarded = await withTx(deps.db, SYSTEM_CONTEXT, (tx) => discardPendingUploads(tx, jobId))
  await drainDeletions(deps.db, deps.store, { keys: [quarantinePrefix(jobId)] })
  if (discarded > 0) deps.log.info({ scanJobId: jobId, discarded }, 'cancelled job: uploads not yet stored were removed')
}

/**
 * The job cannot be ingested however often it is retried (its last queue attempt failed, or the
 * sweeper re-enqueued it too often): it ends `failed` with the reason and its uploads are removed.
 */
export async function giveUp(deps: JobStateDeps, jobId: string, reason: string): Promise<boolean> {
  const moved = await withTx(deps.db, SYSTEM_CONTEXT, (tx) => giveUpScanJob(tx, jobId, reason))
  if (moved) {
    deps.log.error({ scanJobId: jobId, reason }, 'scan job failed for good')
    await drainDeletions(deps.db, deps.store, { keys: [quarantinePrefix(jobId)] })
  }
  return moved
}

/** The job ends `stored` when any image was stored, else `failed`; then its quarantine is cleared. */
export async function finish(deps: JobStateDeps, jobId: string): Promise<void> {
  await withTx(deps.db, SYSTEM_CONTEXT, (tx) => finishScanJob(tx, jobId))
  await clearQuarantine(deps, jobId)
}

/** Removes what is left under the job's quarantine prefix (an attempt that died before cleaning up). */
export async function clearQuarantine(deps: JobStateDeps, jobId: string): Promise<void> {
  const left = await deps.store.listKeys(quarantinePrefix(jobId))
  if (left.length > 0) await deps.store.deleteKeys(left)
}
