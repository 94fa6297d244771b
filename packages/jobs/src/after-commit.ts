import { AppError } from '@printforge/errors'
import { catalog, type JobName, type JobPayload } from './catalog.js'
import { enqueue, type QueueMap } from './enqueue.js'

type Log = { warn(obj: object, msg: string): void }

/**
 * Adds a job for a row that just committed, applying the job's enqueue policy (catalog.ts) when
 * the queue refuses it: `sweep` logs and returns false (the row is picked up later); `reject`
 * throws 503 UNAVAILABLE. Call it only after the commit: a rolled-back request leaves no job.
 */
export async function enqueueAfterCommit<N extends JobName>(
  queues: QueueMap,
  log: Log,
  name: N,
  payload: JobPayload<N>,
  key: string,
): Promise<boolean> {
  try {
    await enqueue(queues, name, payload, key)
    return true
  } catch (err) {
    if (catalog[name].onEnqueueFailure === 'reject') {
      throw new AppError('UNAVAILABLE', 'The request could not be queued; retry shortly.', { cause: err })
    }
    log.warn({ err, job: name, key }, 'enqueue failed; the sweeper will retry')
    return false
  }
}
