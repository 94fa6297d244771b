import type { Queue } from 'bullmq'
import { Compile } from 'typebox/compile'
import { catalog, jobIdFor, type Catalog, type JobName, type JobPayload, type QueueName } from './catalog.js'

export type QueueMap = Record<QueueName, Pick<Queue, 'add'>>

const checkers = Object.fromEntries(
  Object.entries(catalog).map(([name, job]) => [name, Compile(job.payload)]),
) as { [N in JobName]: ReturnType<typeof Compile<Catalog[N]['payload']>> }

/** Thrown when a payload does not match its schema, on either side of the queue. */
export class InvalidJobPayload extends Error {}

/** Validates a payload against the catalog (the worker calls this on every job it takes). */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const checker = checkers[name]
  if (!checker.Check(data)) {
    const first = [...checker.Errors(data)][0]
    throw new InvalidJobPayload(`invalid ${name} payload: ${first?.instancePath || '/'} ${first?.message ?? ''}`.trim())
  }
  return data as JobPayload<N>
}

export const isJobName = (name: string): name is JobName => Object.hasOwn(catalog, name)

/**
 * Validates, then adds the job with `jobId = <name>-<key>`. Call it only after the database
 * commit that created the row the payload names (a rolled-back request leaves no job behind).
 */
export async function enqueue<N extends JobName>(queues: QueueMap, name: N, payload: JobPayload<N>, key: string): Promise<void> {
  const job = catalog[name]
  parsePayload(name, payload)
  await queues[job.queue].add(name, payload, { ...job.options, jobId: jobIdFor(name, key) })
}
