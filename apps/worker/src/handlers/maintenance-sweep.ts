// maintenance.sweep (PRODUCT §6 "nothing lost"): re-enqueues rows that wait without a live queue
// job — an enqueue that failed while Redis was down, a job Redis lost, a worker that died. Jobs
// ids are `<name>-<rowId>`, so a sweep racing the API or another sweeper cannot double a job.
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { enqueue, jobIdFor, type JobName, type QueueName } from '@printforge/jobs'
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

const LIVE = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'])

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
    for (const { id } of scans) if (await requeue(deps, 'scan.ingest', { scanJobId: id }, id)) requeued++
    for (const { id } of prints) if (await requeue(deps, 'print.dispatch', { manufacturingJobId: id }, id)) requeued++
    if (requeued > 0) deps.log.warn({ requeued }, 'sweep re-enqueued rows that had no live queue job')
  }
}

async function requeue<N extends 'scan.ingest' | 'print.dispatch'>(deps: SweepDeps, name: N, payload: N extends 'scan.ingest' ? { scanJobId: string } : { manufacturingJobId: string }, id: string): Promise<boolean> {
  const queue = deps.queues[name === 'scan.ingest' ? 'scans' : 'prints']
  const existing = await queue.getJob(jobIdFor(name as JobName, id))
  if (existing) {
    if (LIVE.has(await existing.getState())) return false
    // A finished queue job would block the re-add (same id): it no longer speaks for the row.
    await existing.remove()
  }
  await enqueue(deps.queues, name, payload as never, id)
  return true
}
