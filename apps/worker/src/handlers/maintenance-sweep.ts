// maintenance.sweep (PRODUCT §6 "nothing lost"): re-enqueues rows that wait without a live queue
// job — an enqueue that failed while Redis was down, a job Redis lost, a worker that died. Jobs
// ids are `<name>-<rowId>`, so a sweep racing the API or another sweeper cannot double a job.
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { requeueMissing, type QueueName } from '@printforge/jobs'
import type { Logger } from '@printforge/logger'
import type { Queue } from 'bullmq'
import type { Handler } from '../processor.js'

export interface SweepDeps {
  db: Db
  queues: Record<QueueName, Queue>
  log: Logger
  /** Rows younger than this may still be on their way into the queue. */
  minAgeMs: number
}

export function createSweep(deps: SweepDeps): Handler<'maintenance.sweep'> {
  return async () => {
    const cutoff = new Date(Date.now() - deps.minAgeMs)
    const [scans, prints] = await withTx(deps.db, SYSTEM_CONTEXT, (tx) =>
      Promise.all([
        tx.scanJob.findMany({ where: { status: { in: ['queued', 'processing'] }, updatedAt: { lt: cutoff } }, select: { id: true }, take: 1000 }),
        tx.manufacturingJob.findMany({ where: { status: { in: ['queued', 'uploading', 'starting'] }, updatedAt: { lt: cutoff } }, select: { id: true }, take: 1000 }),
      ]),
    )
    let requeued = 0
    for (const { id } of scans) if (await requeueMissing(deps.queues, 'scan.ingest', { scanJobId: id }, id)) requeued++
    for (const { id } of prints) if (await requeueMissing(deps.queues, 'print.dispatch', { manufacturingJobId: id }, id)) requeued++
    if (requeued > 0) deps.log.warn({ requeued }, 'sweep re-enqueued rows that had no live queue job')
  }
}
