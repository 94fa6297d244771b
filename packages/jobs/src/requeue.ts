import type { Queue } from 'bullmq'
import { catalog, jobIdFor, type JobName, type JobPayload } from './catalog.js'
import { enqueue, type QueueMap } from './enqueue.js'

/** BullMQ states in which a job still speaks for its row. */
const LIVE = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'])

export type SweepQueues = QueueMap & Record<keyof QueueMap, Pick<Queue, 'add' | 'getJob'>>

/**
 * The sweeper's one step (docs/product.md §6 "nothing lost"): re-enqueues the job of a row that waits
 * without a live queue entry — an enqueue that failed while Redis was down, a job Redis lost, a
 * worker that died. A finished entry with the same id is removed first, since it would block the
 * re-add. The id `<name>-<key>` makes racing sweepers and producers harmless. Returns whether it
 * enqueued.
 */
/** Whether a queue entry still speaks for the row (waiting, active, delayed…). */
export async function hasLiveJob(queues: SweepQueues, name: JobName, key: string): Promise<boolean> {
  const existing = await queues[catalog[name].queue].getJob(jobIdFor(name, key))
  return Boolean(existing && LIVE.has(await existing.getState()))
}

export async function requeueMissing<N extends JobName>(queues: SweepQueues, name: N, payload: JobPayload<N>, key: string): Promise<boolean> {
  const existing = await queues[catalog[name].queue].getJob(jobIdFor(name, key))
  if (existing) {
    if (LIVE.has(await existing.getState())) return false
    await existing.remove()
  }
  await enqueue(queues, name, payload, key)
  return true
}
