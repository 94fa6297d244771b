import { Type, type Static } from 'typebox'

const Uuid = Type.String({ format: 'uuid' })
/**
 * The id of the HTTP request that created the work (the API's ids are random UUIDs): the worker
 * binds it to every log line and audit row of the job. Optional: a job re-enqueued by the sweep
 * carries the creating request's id only when its creation audit row still names one.
 */
const RequestId = Type.Optional(Uuid)
const retry = (attempts: number, delayMs: number) =>
  ({
    attempts,
    backoff: { type: 'exponential', delay: delayMs },
    // Keep finished jobs briefly: a custom jobId deduplicates only while the earlier job exists.
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 86_400 },
  }) as const

/** The queues of docs/product.md §6, and outbound webhooks (docs/integrations.md). */
export const QUEUES = ['scans', 'prints', 'maintenance', 'webhooks'] as const
export type QueueName = (typeof QUEUES)[number]

/**
 * What a producer does when the queue refuses a job after its row committed (Redis down):
 * - `sweep`: answer as if queued. The row is the truth and a background pass finishes the work —
 *   the maintenance sweep re-enqueues waiting rows; the PrintFollower stops a cancelled job's print.
 * - `reject`: answer 503. Nothing would pick it up later, and doing it late would surprise the
 *   caller (a pause or stop sent minutes after the operator pressed it).
 */
export type EnqueuePolicy = 'sweep' | 'reject'

/**
 * Every job: its queue, payload schema (ids only: Redis is a trust boundary, and the database
 * holds the truth) and retry policy. The producer validates before adding; the worker validates
 * again before handling.
 */
export const catalog = {
  'scan.ingest': {
    queue: 'scans',
    onEnqueueFailure: 'sweep',
    options: retry(8, 2_000),
    payload: Type.Object({ scanJobId: Uuid, requestId: RequestId }, { additionalProperties: false }),
  },
  'print.dispatch': {
    queue: 'prints',
    onEnqueueFailure: 'sweep',
    options: retry(5, 5_000),
    payload: Type.Object({ manufacturingJobId: Uuid, requestId: RequestId }, { additionalProperties: false }),
  },
  /** An operator's command for a printer (docs/product.md §4.4); the worker holding its session sends it. */
  'printer.command': {
    queue: 'prints',
    onEnqueueFailure: 'reject',
    options: { attempts: 1, removeOnComplete: { age: 3_600 }, removeOnFail: { age: 86_400 } },
    payload: Type.Object(
      {
        printerId: Uuid,
        command: Type.Union([
          Type.Literal('pause'),
          Type.Literal('resume'),
          Type.Literal('stop'),
          Type.Literal('light_on'),
          Type.Literal('light_off'),
          Type.Literal('refresh'),
        ]),
        /** correlates the worker's log and audit row with the API request */
        requestId: Uuid,
      },
      { additionalProperties: false },
    ),
  },
  /** Stops a cancelled print job's print if it is running (docs/product.md §4.5). */
  'print.cancel': {
    queue: 'prints',
    onEnqueueFailure: 'sweep',
    options: retry(5, 2_000),
    payload: Type.Object({ manufacturingJobId: Uuid, requestId: RequestId }, { additionalProperties: false }),
  },
  /** Re-enqueues queued rows without a queue entry; un-sticks rows whose worker died. */
  'maintenance.sweep': {
    queue: 'maintenance',
    // Scheduled by the worker itself (job schedulers), never produced after a commit.
    onEnqueueFailure: 'reject',
    options: retry(3, 10_000),
    payload: Type.Object({}, { additionalProperties: false }),
  },
  /** docs/product.md §5.3: terminal jobs after JOB_RETENTION_DAYS, audit rows after AUDIT_RETENTION_DAYS. */
  'maintenance.retention': {
    queue: 'maintenance',
    // Scheduled by the worker itself (job schedulers), never produced after a commit.
    onEnqueueFailure: 'reject',
    options: retry(3, 60_000),
    payload: Type.Object({}, { additionalProperties: false }),
  },
  /** Nightly audit chain verification; alerts on a break. */
  'maintenance.audit-verify': {
    queue: 'maintenance',
    // Scheduled by the worker itself (job schedulers), never produced after a commit.
    onEnqueueFailure: 'reject',
    options: retry(3, 60_000),
    payload: Type.Object({}, { additionalProperties: false }),
  },
  /**
   * One attempt of a webhook delivery (docs/integrations.md "Webhooks"). Produced only by the
   * worker's dispatcher from due rows, keyed `<deliveryId>-<attempts>` so repeated wake-ups
   * collapse; the row schedules retries, so a job's own retries cover infrastructure errors only.
   */
  'webhook.deliver': {
    queue: 'webhooks',
    onEnqueueFailure: 'sweep',
    options: retry(3, 1_000),
    // endpointId lets the worker apply the per-endpoint slot cap before touching the database.
    payload: Type.Object({ deliveryId: Uuid, endpointId: Uuid }, { additionalProperties: false }),
  },
} as const satisfies Record<string, { queue: QueueName; onEnqueueFailure: EnqueuePolicy; options: object; payload: unknown }>

export type Catalog = typeof catalog
export type JobName = keyof Catalog
export type JobPayload<N extends JobName> = Static<Catalog[N]['payload']>

/** `<name>-<key>`: no `:` (BullMQ uses it as a separator), deduplicates producer retries. */
export function jobIdFor(name: JobName, key: string): string {
  if (key.includes(':')) throw new Error(`job key must not contain ':' (${key})`)
  return `${name}-${key}`
}

/** `{ requestId }` for a payload when there is one (an absent id stays absent, never `undefined`). */
export function withRequestId(requestId: string | undefined): { requestId?: string } {
  return requestId ? { requestId } : {}
}
