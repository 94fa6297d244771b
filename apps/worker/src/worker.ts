// startWorker: the whole worker in-process (main.ts, tests, benchmarks and `npm run dev` use it).
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import type { BambuSessionOptions } from '@printforge/bambu'
import type { WorkerConfig } from '@printforge/config'
import { assertSafeAppRole, createDatabase } from '@printforge/db'
import { QUEUES, type QueueName } from '@printforge/jobs'
import { createLogger, type Logger } from '@printforge/logger'
import { parsePrinterKeys } from '@printforge/printer-keys'
import { startTracing, untraced } from '@printforge/tracing'
import { createObjectStore, createS3Client } from '@printforge/storage'
import type { Registry } from '@printforge/metrics'
import { Queue, Worker } from 'bullmq'
import { alertOnTerminalFailure } from './alerts.js'
import { buildHandlers, type Timing } from './handlers/index.js'
import type { ClaimHooks } from '@printforge/domain'
import { createWorkerMetrics } from './metrics/index.js'
import { leaseTiming, LeaseKeeper, type LeaseTiming } from './leases/lease-keeper.js'
import { PrinterManager } from './printers/manager.js'
import { PrintFollower } from './printers/print-follower.js'
import { StatusWriter } from './printers/status-writer.js'
import { createProcessor, SHUTDOWN_REASON, type JobAttempt } from './processor.js'
import { assertNoEviction, createWorkerRedis, watchRedis } from './redis.js'
import { DEFAULT_SCHEDULES, upsertSchedules, type ScheduleSettings } from './schedules.js'
import type { HandlerDeps } from './handlers/index.js'
import { WebhookDispatcher } from './webhooks/dispatcher.js'

export interface WorkerOptions {
  /** BullMQ key prefix (default: QUEUE_PREFIX, which the API reads too; tests use a random one). */
  queuePrefix?: string
  logger?: Logger
  /** PEMs trusted for printer TLS besides Bambu's; default: the file at PRINTER_EXTRA_CA. */
  extraCaPems?: string[]
  /** Queues this process consumes. Default: WORKER_QUEUES (all four unless set). */
  queues?: readonly QueueName[]
  /** Follow printers and keep sessions. Default: when WORKER_QUEUES includes `prints`. */
  printers?: boolean
  /** Upsert the maintenance schedules at start (false: none); partial values override the defaults. */
  schedules?: boolean | Partial<ScheduleSettings>
  printerPollMs?: number
  /** Lease timing (default: from PRINTER_LEASE_TTL_MS); tests shorten it to fail over quickly. */
  leaseTiming?: Partial<LeaseTiming>
  /** Printer status is written in batches, one at most this often (default 250 ms). */
  statusFlushMs?: number
  sweepMinAgeMs?: number
  /** BullMQ lock: a worker that died mid-job is detected after about this long. Default 30 s. */
  lockDurationMs?: number
  stalledIntervalMs?: number
  timing?: Partial<Timing>
  sessionOptions?: Partial<BambuSessionOptions>
  /** Test-only webhook settings: retry schedule, timeouts, resolver, pre-send hook, poll interval. */
  webhooks?: HandlerDeps['webhooks'] & { pollMs?: number }
  /** Test hooks that widen race windows; never set in production. */
  hooks?: { claim?: ClaimHooks; beforeSend?: (jobId: string) => Promise<void> }
}

export interface RunningWorker {
  printers: PrinterManager | null
  /** This process's printer leases, when it holds printer sessions. */
  leases: LeaseKeeper | null
  workers: Worker[]
  queues: Record<QueueName, Queue>
  log: Logger
  /** This worker's metrics (docs/observability.md); main.ts serves them when METRICS_PORT is set. */
  metrics: Registry
  /** Stops taking work, finishes or hands back running jobs within SHUTDOWN_GRACE_MS, closes sessions. */
  close(): Promise<void>
}

const DEFAULT_TIMING: Timing = { readyTimeoutMs: 15_000, confirmTimeoutMs: 60_000, taskLostMs: 15_000, progressThrottleMs: 1_000 }

export async function startWorker(config: WorkerConfig, options: WorkerOptions = {}): Promise<RunningWorker> {
  const log = options.logger ?? createLogger({ name: 'printforge-worker', level: config.LOG_LEVEL })
  const prefix = options.queuePrefix ?? config.QUEUE_PREFIX
  const timing = { ...DEFAULT_TIMING, ...options.timing }
  const extraCaPems = options.extraCaPems ?? (config.PRINTER_EXTRA_CA ? [readFileSync(config.PRINTER_EXTRA_CA, 'utf8')] : [])
  const keyring = parsePrinterKeys(config.PRINTER_KEYS)
  const database = createDatabase({
    url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX, statementTimeoutMs: 60_000, txTimeoutMs: config.DATABASE_TX_TIMEOUT_MS,
    health: {
      onChange: (up, cause) =>
        up ? log.info({ alert: 'database_recovered' }, 'database answering again') : log.error({ alert: 'database_unavailable', reason: cause?.message }, 'database not answering: jobs fail and retry until it recovers'),
    },
  })
  const redis = createWorkerRedis(config.REDIS_URL, 'printforge-worker')
  // Off (null) unless OTEL_EXPORTER_OTLP_ENDPOINT is set; shut down last, after the queues' spans.
  const tracing = await startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: 'printforge-worker' })
  const telemetry = tracing ? { telemetry: tracing.bullmq } : {}
  const cleanups: Array<() => Promise<unknown>> = [async () => tracing?.shutdown(), () => database.close(), async () => redis.disconnect()]
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {})
  }
  try {
    await assertSafeAppRole(database.prisma)
    await assertNoEviction(redis)
    const store = createObjectStore(createS3Client({ endpoint: config.S3_ENDPOINT, region: config.S3_REGION, bucket: config.S3_BUCKET, accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }), config.S3_BUCKET)
    const queues = Object.fromEntries(QUEUES.map((q) => [q, new Queue(q, { connection: redis, prefix, ...telemetry })])) as Record<QueueName, Queue>
    for (const q of Object.values(queues)) q.on('error', () => {})
    cleanups.push(() => Promise.all(Object.values(queues).map((q) => q.close())))

    const db = database.prisma
    const metrics = createWorkerMetrics({ database, poolMax: config.DATABASE_POOL_MAX, redis, queues, db })
    const { instruments } = metrics
    let manager: PrinterManager | null = null
    let follower: PrintFollower | null = null
    let writer: StatusWriter | null = null
    const configured = [...new Set(config.WORKER_QUEUES.split(','))] as QueueName[]
    // Sessions only where prints are consumed: real printers accept few MQTT clients.
    const withPrinters = options.printers ?? configured.includes('prints')
    let leases: LeaseKeeper | null = null
    if (withPrinters) {
      const pollMs = options.printerPollMs ?? 2_000
      // Each printer's session is held by one process at a time, whatever the number of workers.
      const identity = { id: randomUUID(), host: hostname(), pid: process.pid }
      const base = leaseTiming(config.PRINTER_LEASE_TTL_MS)
      // A printer registered a moment ago is picked up within a poll, as before leases (tests poll faster).
      const tickMs = Math.min(base.tickMs, pollMs)
      const lease = { ...base, tickMs, joinMs: Math.min(base.joinMs, tickMs), ...options.leaseTiming }
      let sessions: PrinterManager | null = null
      const keeper: LeaseKeeper = new LeaseKeeper({
        db, log: log.child({ component: 'leases', memberId: identity.id }), identity, timing: lease,
        apply: async () => sessions?.resync(),
      })
      leases = keeper
      sessions = manager = new PrinterManager({ db, keyring, extraCaPems, log: log.child({ component: 'printers' }), pollMs, sessionOptions: options.sessionOptions, holds: (id: string): boolean => keeper.holds(id) })
      writer = new StatusWriter({ db, log, manager, memberId: identity.id, flushMs: options.statusFlushMs ?? 250, statusLag: instruments.latency.statusLag })
      follower = new PrintFollower({ db, manager, log, pollMs, taskLostMs: timing.taskLostMs, progressThrottleMs: timing.progressThrottleMs })
      const [m, w, f] = [manager, writer, follower]
      cleanups.push(async () => {
        await f.close()
        // Sessions closed and leases given back, so the other workers take the printers at once.
        await keeper.close()
        await m.close()
        await w.close()
      })
      await keeper.start()
      await manager.start()
      await follower.start()
      metrics.watchPrinters(manager)
    }

    const handlers = buildHandlers({
      db, store, log, keyring, extraCaPems, queues, config, timing, manager, leases, follower, instruments,
      sweepMinAgeMs: options.sweepMinAgeMs ?? 60_000,
      hooks: options.hooks ?? {},
      inSpan: tracing ? tracing.inSpan : untraced,
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    })
    const concurrency: Record<QueueName, number> = { scans: config.SCAN_CONCURRENCY, prints: config.PRINT_CONCURRENCY, maintenance: 1, webhooks: config.WEBHOOK_CONCURRENCY ?? 16 }
    const alertOnFailure = alertOnTerminalFailure(log)
    const observeJob = (attempt: JobAttempt) => {
      instruments.jobAttempt(attempt)
      alertOnFailure(attempt)
    }
    const consumed = options.queues ?? (manager ? configured : configured.filter((q) => q !== 'prints'))
    const workers = consumed.map((q) => {
      const worker = new Worker(q, createProcessor(q, handlers, log, observeJob), {
        // telemetry: each job runs in a consumer span whose parent is the context the job carries.
        connection: redis, prefix, concurrency: concurrency[q], ...telemetry,
        lockDuration: options.lockDurationMs ?? 30_000,
        stalledInterval: options.stalledIntervalMs ?? options.lockDurationMs ?? 30_000,
      })
      worker.on('error', (err) => log.warn({ queue: q, err: err.message }, 'queue worker error'))
      return worker
    })
    await Promise.all(workers.map((w) => w.waitUntilReady()))
    if (consumed.includes('webhooks')) {
      // Where deliveries are sent, due ones become jobs (docs/integrations.md "Recording").
      const dispatcher = new WebhookDispatcher({ db, queues, log: log.child({ component: 'webhooks' }), databaseUrl: config.DATABASE_URL, pollMs: options.webhooks?.pollMs })
      await dispatcher.start()
      cleanups.push(() => dispatcher.close())
    }
    const schedules = options.schedules === false ? null : { ...DEFAULT_SCHEDULES, ...(typeof options.schedules === 'object' ? options.schedules : {}) }
    if (schedules) await upsertSchedules(queues, schedules)
    const unwatch = watchRedis(redis, log, async () => {
      // A Redis that came back empty (no AOF, failover to an empty replica) lost the schedulers
      // with the jobs; without them the sweep that recovers every lost job would never run again.
      if (schedules) await upsertSchedules(queues, schedules)
      log.info({ schedules: Boolean(schedules) }, 'maintenance schedules re-asserted')
      // Refused at boot; a Redis replaced under a running worker is reported (logged as an error).
      await assertNoEviction(redis)
    })
    // Cleanups run last-first: this one before the connection is closed on purpose.
    cleanups.push(async () => unwatch())
    log.info({ queues: consumed, prefix, printers: manager?.list().length ?? 0, memberId: leases?.memberId }, 'worker started')

    let closing: Promise<void> | null = null
    const close = () => (closing ??= shutdown(workers, config.SHUTDOWN_GRACE_MS, log).finally(cleanup))
    return { printers: manager, leases, workers, queues, log, metrics: metrics.registry, close }
  } catch (err) {
    await cleanup()
    throw err
  }
}

/**
 * SIGTERM: stop taking jobs and let running ones finish for `graceMs`; then abort them, which
 * hands each back to its queue (processor.ts) for another worker. Bounded throughout: BullMQ's
 * close can wait forever on a blocking connection that is still reconnecting after a Redis
 * outage (taskforcesh/bullmq#4656), and a repeated close(true) only returns that same promise.
 */
async function shutdown(workers: Worker[], graceMs: number, log: Logger): Promise<void> {
  const closing = Promise.all(workers.map((w) => w.close()))
  if (await settlesWithin(closing, graceMs)) return
  log.warn({ graceMs }, 'jobs still running after the grace period; handing them back')
  for (const w of workers) w.cancelAllJobs(SHUTDOWN_REASON)
  if (await settlesWithin(closing, 5_000)) return
  // Our own connections close next; a job still locked by this process is taken over by another
  // worker once its lock expires (WORKER_LOCK_MS).
  log.warn('queue workers did not close in time; shutting down without waiting for them')
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const settled = await Promise.race([
    promise.then(() => true, () => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ])
  clearTimeout(timer)
  return settled
}
