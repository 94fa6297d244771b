import { Type, type Static } from 'typebox'

const Uuid = Type.String({ format: 'uuid' })
const retry = (attempts: number, delayMs: number) =>
  ({
    attempts,
    backoff: { type: 'exponential', delay: delayMs },
    // Keep finished jobs briefly: a custom jobId deduplicates only while the earlier job exists.
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 86_400 },
  }) as const

/** The queues of PRODUCT §6. */
export const QUEUES = ['scans', 'prints', 'maintenance'] as const
export type QueueName = (typeof QUEUES)[number]

/**
 * Every job: its queue, payload schema (ids only: Redis is a trust boundary, and the database
 * holds the truth) and retry policy. The producer validates before adding; the worker validates
 * again before handling.
 */
export const catalog = {
  'scan.ingest': {
    queue: 'scans',
    options: retry(8, 2_000),
    payload: Type.Object({ scanJobId: Uuid }, { additionalProperties: false }),
  },
  'print.dispatch': {
    queue: 'prints',
    options: retry(5, 5_000),
    payload: Type.Object({ manufacturingJobId: Uuid }, { additionalProperties: false }),
  },
  'maintenance.sweep': {
    queue: 'maintenance',
    options: retry(3, 10_000),
    payload: Type.Object({}, { additionalProperties: false }),
  },
} as const

export type Catalog = typeof catalog
export type JobName = keyof Catalog
export type JobPayload<N extends JobName> = Static<Catalog[N]['payload']>

/** `<name>-<key>`: no `:` (BullMQ uses it as a separator), deduplicates producer retries. */
export function jobIdFor(name: JobName, key: string): string {
  if (key.includes(':')) throw new Error(`job key must not contain ':' (${key})`)
  return `${name}-${key}`
}
