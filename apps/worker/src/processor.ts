import { catalog, isJobName, parsePayload, type JobName, type JobPayload, type QueueName } from '@printforge/jobs'
import type { Logger } from '@printforge/logger'
import { DelayedError, UnrecoverableError, WaitingError, type Job, type Processor } from 'bullmq'

/** What a handler learns about the attempt it runs in. */
export interface JobContext {
  jobId: string
  /** 1-based. */
  attempt: number
  /** When the job was enqueued (epoch ms); absent outside BullMQ. */
  enqueuedAt?: number
  /** True on the last attempt BullMQ will make: a handler records a terminal failure then. */
  finalAttempt: boolean
  /** Aborted when the worker shuts down (or BullMQ cancels the job): stop and throw. */
  signal: AbortSignal
  /** The API request that created the job, when the payload names one. */
  requestId?: string
  /**
   * Bound to `{ jobId, job, requestId }`: every line about this job (the handler's and the printer
   * code's it calls) goes through it, so one print is followable from its HTTP request.
   */
  log: Logger
  /**
   * Puts the job back, delayed by `ms`, without spending an attempt (a handler that cannot take
   * it now: its webhook endpoint holds all its slots). Never returns: the processor ends the run.
   * Absent when a handler is called outside BullMQ (tests calling it directly).
   */
  defer?: (ms: number) => Promise<never>
}

/** Thrown by ctx.defer: the job was moved to delayed, the processor hands it back. */
class Deferred extends Error {}

export type Handler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext) => Promise<void>
export type Handlers = { [N in JobName]: Handler<N> }

/** Thrown by a handler that hit a condition no retry can change (the row records why). */
export class PermanentJobError extends Error {}

/** How one attempt ended: `failed` is terminal (the last attempt, or a permanent error). */
export type JobOutcome = 'completed' | 'retry' | 'failed' | 'handed_back'

/** One finished attempt, for the observer (metrics, alerts). */
export interface JobAttempt {
  job: JobName
  jobId: string
  attempt: number
  outcome: JobOutcome
  seconds: number
  /** The failure's message, when it failed (for logs only; never a metric label). */
  error?: string
  /** The request that created the job, when it carries one (for logs only; never a metric label). */
  requestId?: string
}

/** The reason passed to `cancelAllJobs` at shutdown: such jobs go back to the queue, attempt unspent. */
export const SHUTDOWN_REASON = 'worker shutting down'

/**
 * One BullMQ processor per queue. Redis is a trust boundary: the name must be in the catalog and
 * belong to this queue, and the payload is re-validated before any handler sees it. Only the job
 * id and name are logged, never the payload.
 */
export function createProcessor(queue: QueueName, handlers: Handlers, log: Logger, observe: (attempt: JobAttempt) => void = () => {}): Processor {
  return async (job: Job, token?: string, signal?: AbortSignal) => {
    const name = job.name
    if (!isJobName(name) || catalog[name].queue !== queue) {
      log.error({ jobId: job.id, job: name.slice(0, 64), queue }, 'unknown job name; dropped')
      throw new UnrecoverableError(`unknown job ${name.slice(0, 64)} on queue ${queue}`)
    }
    let payload: JobPayload<JobName>
    try {
      payload = parsePayload(name, job.data)
    } catch (err) {
      log.error({ jobId: job.id, job: name }, 'invalid payload; dropped')
      throw new UnrecoverableError((err as Error).message)
    }
    const attempts = job.opts.attempts ?? 1
    const requestId = 'requestId' in payload ? payload.requestId : undefined
    const jobLog = log.child({ jobId: job.id, job: name, ...(requestId ? { requestId } : {}) })
    const ctx: JobContext = {
      jobId: String(job.id),
      attempt: job.attemptsMade + 1,
      enqueuedAt: job.timestamp,
      finalAttempt: job.attemptsMade + 1 >= attempts,
      signal: signal ?? new AbortController().signal,
      requestId,
      log: jobLog,
      async defer(ms) {
        if (!token) throw new Error('cannot defer a job without its lock token')
        await job.moveToDelayed(Date.now() + ms, token)
        throw new Deferred()
      },
    }
    const started = Date.now()
    const ended = (outcome: JobOutcome, error?: string) =>
      observe({ job: name, jobId: ctx.jobId, attempt: ctx.attempt, outcome, seconds: (Date.now() - started) / 1000, ...(error === undefined ? {} : { error }), ...(requestId ? { requestId } : {}) })
    jobLog.debug({ attempt: ctx.attempt }, 'job started')
    try {
      await (handlers[name] as Handler<JobName>)(payload, ctx)
      jobLog.info({ ms: Date.now() - started }, 'job done')
      ended('completed')
    } catch (err) {
      if (err instanceof Deferred) throw new DelayedError()
      if (ctx.signal.aborted && ctx.signal.reason === SHUTDOWN_REASON && token) {
        // Hand the job back untouched: it was interrupted, not failed, so no attempt is spent.
        await job.moveToWait(token)
        jobLog.warn('job handed back at shutdown')
        ended('handed_back')
        throw new WaitingError()
      }
      const permanent = err instanceof PermanentJobError
      jobLog.warn({ attempt: ctx.attempt, err: (err as Error).message, permanent }, 'job attempt failed')
      const terminal = permanent || err instanceof UnrecoverableError || ctx.finalAttempt
      ended(terminal ? 'failed' : 'retry', (err as Error)?.message ?? String(err))
      throw permanent ? new UnrecoverableError((err as Error).message) : err
    }
  }
}
