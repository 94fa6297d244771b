// maintenance.sweep (docs/product.md §6 "nothing lost", "deletes are complete"), every minute:
// 1. re-enqueues rows that wait without a live queue job — an enqueue that failed while Redis was
//    down, a job Redis lost, a worker that died. Job ids are `<name>-<rowId>`, so a sweep racing
//    the API or another sweeper cannot double a job. A row re-enqueued MAX_REQUEUES times fails
//    for good instead of being retried forever.
// 2. drains the deletion outbox: objects of deleted or cancelled rows that storage did not remove
//    at the time (it was down, or the process died right after the commit).
import { drainDeletions, SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { countPrintRequeue, countScanRequeue, creatingRequestId, printJobsAwaitingDispatch, scanJobsAwaitingIngest, type CorrelatedTarget } from '@printforge/domain'
import { hasLiveJob, requeueMissing, withRequestId, type QueueName } from '@printforge/jobs'
import type { Logger } from '@printforge/logger'
import type { ObjectStore } from '@printforge/storage'
import type { Queue } from 'bullmq'
import type { Handler } from '../processor.js'
import { failJob } from '../printers/job-moves.js'
import { giveUp } from '../scans/job-state.js'

export interface SweepDeps {
  db: Db
  store: ObjectStore
  queues: Record<QueueName, Queue>
  log: Logger
  /** Rows younger than this may still be on their way into the queue. */
  minAgeMs: number
}

/** Each re-enqueue grants the job its queue attempts again (8 for scans, 5 for prints). */
export const MAX_REQUEUES = 3
const DRAIN_BATCH = 500

export function createSweep(deps: SweepDeps): Handler<'maintenance.sweep'> {
  return async () => {
    await requeueStuck(deps)
    // Batches of 500 until the outbox has no due rows left, for at most half a minute per sweep.
    const until = Date.now() + 30_000
    let deleted = 0
    let failed = 0
    for (let batch; Date.now() < until; ) {
      batch = await drainDeletions(deps.db, deps.store, { limit: DRAIN_BATCH })
      deleted += batch.deleted
      failed += batch.failed
      if (batch.deleted + batch.failed < DRAIN_BATCH || batch.failed > 0) break
    }
    if (deleted + failed > 0) deps.log[failed > 0 ? 'warn' : 'info']({ deleted, failed }, 'deletion outbox drained')
  }
}

async function requeueStuck(deps: SweepDeps) {
  const cutoff = new Date(Date.now() - deps.minAgeMs)
  const [scans, prints] = await withTx(deps.db, SYSTEM_CONTEXT, (tx) =>
    Promise.all([scanJobsAwaitingIngest(tx, cutoff, 1000), printJobsAwaitingDispatch(tx, cutoff, 1000)]),
  )
  let requeued = 0
  let gaveUp = 0
  for (const { id, requeues } of scans) {
    if (await hasLiveJob(deps.queues, 'scan.ingest', id)) continue
    if (requeues >= MAX_REQUEUES) {
      if (await giveUp(deps, id, `re-enqueued ${requeues} times without finishing`)) gaveUp++
    } else if (await requeueMissing(deps.queues, 'scan.ingest', { scanJobId: id, ...(await requestOf(deps.db, 'scan_job', id)) }, id)) {
      await countRequeue(deps.db, 'scan', id)
      requeued++
    }
  }
  for (const { id, requeues } of prints) {
    if (await hasLiveJob(deps.queues, 'print.dispatch', id)) continue
    if (requeues >= MAX_REQUEUES) {
      const reason = `Dispatch was re-enqueued ${requeues} times without finishing.`
      if (await failJob(deps.db, id, 'RETRIES_EXHAUSTED', reason, {}, 'failDispatch')) gaveUp++
    } else if (await requeueMissing(deps.queues, 'print.dispatch', { manufacturingJobId: id, ...(await requestOf(deps.db, 'manufacturing_job', id)) }, id)) {
      await countRequeue(deps.db, 'print', id)
      requeued++
    }
  }
  if (requeued > 0) deps.log.warn({ requeued }, 'sweep re-enqueued rows that had no live queue job')
  if (gaveUp > 0) deps.log.error({ gaveUp, maxRequeues: MAX_REQUEUES }, 'sweep failed jobs that kept failing')
}

/**
 * A re-enqueued job has no request of its own; it carries the id of the request that created the
 * row, read from the row's creation audit row (committed with the row, one indexed lookup, and
 * only for the rare row that lost its queue job), so its worker lines still follow that request.
 */
async function requestOf(db: Db, target: CorrelatedTarget, id: string): Promise<{ requestId?: string }> {
  const requestId = await withTx(db, SYSTEM_CONTEXT, (tx) => creatingRequestId(tx, target, id))
  // The payload takes a UUID only; an id of another shape (a row created outside the API) is left out.
  return withRequestId(requestId && UUID.test(requestId) ? requestId : undefined)
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function countRequeue(db: Db, kind: 'scan' | 'print', id: string) {
  return withTx(db, SYSTEM_CONTEXT, (tx) => (kind === 'scan' ? countScanRequeue(tx, id) : countPrintRequeue(tx, id)))
}
