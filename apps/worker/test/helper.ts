import assert from 'node:assert/strict'
import { randomBytes, randomUUID, createHash } from 'node:crypto'
import { after, before } from 'node:test'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import type { WorkerConfig } from '@printforge/config'
import { createPrismaClient, SYSTEM_CONTEXT, verifyAuditChain, withTx, writeAudit, type BambuModel, type Db, type Prisma } from '@printforge/db'
import type { FilamentNeeds } from '@printforge/domain'
import { createTestDatabase, testEnvironment, type TestDatabase } from '@printforge/devstack'
import { enqueue, QUEUES, type QueueName } from '@printforge/jobs'
import { createLogger } from '@printforge/logger'
import { encryptAccessCode, parsePrinterKeys, type PrinterKeyring } from '@printforge/printer-keys'
import { startPrinterFarm, type FarmPrinterSpec, type PrinterFarm, type VirtualPrinter } from '@printforge/printer-sim'
import { createObjectStore, createS3Client, modelKey, quarantineKey, type ObjectStore } from '@printforge/storage'
import { Readable } from 'node:stream'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { startWorker, type RunningWorker, type WorkerOptions } from '../src/worker.ts'

export const silent = createLogger({ name: 'test', level: 'silent' })
/** The context the API's admin routes run in; its audit rows name that admin (and nobody else). */
const API_ADMIN = { actorId: 'user_admin', role: 'admin' } as const

export interface WorkerTestEnv {
  database: TestDatabase
  /** printforge_app; arrange and inspect rows with SYSTEM_CONTEXT */
  db: Db
  store: ObjectStore
  bucket: string
  prefix: string
  config: WorkerConfig
  keyring: PrinterKeyring
  /** Producer side, as the API has it. */
  queues: Record<QueueName, Queue>
  redis: Redis
  /** Resolves once the fields above are set (hooks of other helpers wait on it). */
  ready: Promise<void>
}

export function workerConfig(base: { appUrl: string; bucket: string; redisUrl?: string }, overrides: Partial<WorkerConfig> = {}): WorkerConfig {
  const env = testEnvironment()
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: 'pf',
    WORKER_LOCK_MS: 30_000, SWEEP_EVERY_MS: 60_000, SWEEP_MIN_AGE_MS: 60_000,
    WORKER_QUEUES: 'scans,prints,maintenance',
    DATABASE_URL: base.appUrl,
    DATABASE_POOL_MAX: 8,
    DATABASE_TX_TIMEOUT_MS: 5_000,
    REDIS_URL: base.redisUrl ?? env.redisUrl,
    S3_ENDPOINT: env.s3.endpoint,
    S3_REGION: 'auto',
    S3_BUCKET: base.bucket,
    S3_ACCESS_KEY_ID: env.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
    PRINTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    SCAN_CONCURRENCY: 2,
    SCAN_SANITIZE: 'lossless', // the schema's default
    PRINT_CONCURRENCY: 8,
    JOB_RETENTION_DAYS: 90,
    AUDIT_RETENTION_DAYS: 365,
    SHUTDOWN_GRACE_MS: 5_000,
    // Tests run many workers at once: none listens on the default metrics port (main.ts only).
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: 0,
    ...overrides,
  }
}

export async function createBucket(): Promise<{ bucket: string; store: ObjectStore }> {
  const env = testEnvironment()
  const bucket = `pfw-${randomBytes(6).toString('hex')}`
  const s3 = createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey })
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  return { bucket, store: createObjectStore(s3, bucket) }
}

export function producerQueues(redis: Redis, prefix: string): Record<QueueName, Queue> {
  const queues = Object.fromEntries(QUEUES.map((q) => [q, new Queue(q, { connection: redis, prefix })])) as Record<QueueName, Queue>
  // Tests that kill Redis expect connection errors; unheard, BullMQ prints each one.
  for (const queue of Object.values(queues)) queue.on('error', () => {})
  return queues
}

/** A database, bucket and queue prefix of this test file's own (services are shared). */
export function useWorkerEnv(overrides: Partial<WorkerConfig> = {}): WorkerTestEnv {
  const env = {} as WorkerTestEnv
  let ready!: () => void
  env.ready = new Promise((resolve) => (ready = resolve))
  before(async () => {
    env.database = await createTestDatabase()
    Object.assign(env, await createBucket())
    env.prefix = `pfw${randomBytes(4).toString('hex')}`
    env.config = workerConfig({ appUrl: env.database.appUrl, bucket: env.bucket }, overrides)
    env.keyring = parsePrinterKeys(env.config.PRINTER_KEYS)
    env.db = createPrismaClient({ url: env.database.appUrl, poolMax: 4 })
    env.redis = new Redis(env.config.REDIS_URL, { maxRetriesPerRequest: null })
    env.queues = producerQueues(env.redis, env.prefix)
    ready()
  })
  after(async () => {
    // Bounded: a close that hangs (Redis gone) must fail this file, not stall the whole run.
    await within(Promise.all(Object.values(env.queues ?? {}).map((q) => q.close())), 15_000, 'closing the producer queues')
    env.redis?.disconnect()
    await env.db?.$disconnect()
    await env.database?.drop()
  })
  return env
}

/** Fast settings for tests; the caller closes it (t.after) — or use useWorker for a whole file. */
export function startTestWorker(env: WorkerTestEnv, options: WorkerOptions = {}, config: WorkerConfig = env.config): Promise<RunningWorker> {
  return startWorker(config, {
    queuePrefix: env.prefix,
    logger: silent,
    schedules: false,
    printerPollMs: 250,
    statusFlushMs: 200,
    timing: { readyTimeoutMs: 10_000, confirmTimeoutMs: 15_000, taskLostMs: 5_000, progressThrottleMs: 200 },
    sessionOptions: { backoff: { initialMs: 100, maxMs: 500 } },
    ...options,
  })
}

/** A worker for the whole test file (started in `before`, closed in `after`). */
export function useWorker(env: WorkerTestEnv, options: WorkerOptions | (() => Promise<WorkerOptions>) = {}): { worker: RunningWorker } {
  const holder = {} as { worker: RunningWorker }
  before(async () => {
    // Root-level hooks of different helpers are not ordered: wait for what this one needs.
    await env.ready
    holder.worker = await startTestWorker(env, typeof options === 'function' ? await options() : options)
  })
  after(() => within(holder.worker?.close(), 30_000, 'closing the worker'))
  return holder
}

/** Rejects when `promise` takes longer than `ms`. */
async function within(promise: Promise<unknown> | undefined, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))])
  } finally {
    clearTimeout(timer)
  }
}

/** Virtual printers for the whole test file; `speed` 60 makes a print last about 2 s. */
export function useFarm(printers: FarmPrinterSpec[], speed: number): { farm: PrinterFarm; ready: Promise<PrinterFarm> } {
  const holder = {} as { farm: PrinterFarm; ready: Promise<PrinterFarm> }
  let ready!: (farm: PrinterFarm) => void
  holder.ready = new Promise((resolve) => (ready = resolve))
  before(async () => {
    holder.farm = await startPrinterFarm({ printers, speed, reportIntervalMs: 250 })
    ready(holder.farm)
  })
  after(() => holder.farm?.stop())
  return holder
}

/** Registers a virtual printer the way the API does (access code encrypted under PRINTER_KEYS). */
export async function registerPrinter(env: WorkerTestEnv, p: VirtualPrinter, name = p.serial): Promise<string> {
  const code = encryptAccessCode(env.keyring, p.accessCode, p.serial)
  const model = (p.model === 'A1M' ? 'A1MINI' : p.model) as BambuModel
  const row = await withTx(env.db, SYSTEM_CONTEXT, (tx) =>
    tx.printer.create({
      data: { name, model, serial: p.serial, host: p.host, mqttPort: p.mqttPort, ftpsPort: p.ftpsPort, accessCodeCiphertext: new Uint8Array(code.ciphertext), accessCodeNonce: new Uint8Array(code.nonce), accessCodeKeyId: code.keyId },
      select: { id: true },
    }),
  )
  return row.id
}

/** A scan job as the API leaves it: rows `queued`/`quarantined`, objects in quarantine. */
export async function createScanJob(env: WorkerTestEnv, images: Buffer[], customerId = `cus_${randomBytes(6).toString('hex')}`) {
  const jobId = randomUUID()
  const imageIds = images.map(() => randomUUID())
  for (const [i, data] of images.entries()) {
    await env.store.putStream(quarantineKey(jobId, imageIds[i] as string), Readable.from([data]), 'application/octet-stream')
  }
  await withTx(env.db, SYSTEM_CONTEXT, (tx) =>
    tx.scanJob.create({
      data: {
        id: jobId, customerId, title: 'test scan', imageCount: images.length,
        images: {
          createMany: {
            data: images.map((data, i) => ({
              id: imageIds[i] as string, customerId, originalFilename: `img${i}.jpg`, contentType: 'image/jpeg', bytes: data.length,
              sha256: createHash('sha256').update(data).digest('hex'), quarantineKey: quarantineKey(jobId, imageIds[i] as string),
            })),
          },
        },
      },
    }),
  )
  return { jobId, imageIds, customerId }
}

export interface PrintJobSpec {
  printerId?: string
  requestedModel?: BambuModel
  bytes?: number
  /** What the plate needs loaded, as the API stores it from the model's metadata (packages/domain/src/filaments). */
  filaments?: FilamentNeeds
}

/** A print job as the API leaves it (contract): model stored, row `queued` + audit, then enqueue. */
export async function createPrintJob(env: WorkerTestEnv, spec: PrintJobSpec, enqueueIt = true): Promise<string> {
  const id = randomUUID()
  const model = randomBytes(spec.bytes ?? 64 * 1024)
  await env.store.putStream(modelKey(id), Readable.from([model]), 'application/octet-stream')
  await withTx(env.db, API_ADMIN, async (tx) => {
    await tx.manufacturingJob.create({
      data: {
        id, printerId: spec.printerId ?? null, requestedModel: spec.requestedModel ?? null, plate: 1, amsMapping: [],
        fileKey: modelKey(id), fileName: 'part.gcode.3mf', fileBytes: BigInt(model.length),
        fileSha256: createHash('sha256').update(model).digest('hex'), createdBy: 'user_admin',
        ...(spec.filaments ? { filaments: spec.filaments as unknown as Prisma.InputJsonObject } : {}),
      },
    })
    await writeAudit(tx, { actorType: 'user', actorId: 'user_admin', action: 'manufacturing.created', targetType: 'manufacturing_job', targetId: id })
  })
  if (enqueueIt) await enqueue(env.queues, 'print.dispatch', { manufacturingJobId: id }, id)
  return id
}

export const printJob = (env: WorkerTestEnv, id: string) =>
  withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.manufacturingJob.findUniqueOrThrow({ where: { id }, include: { events: { orderBy: { id: 'asc' } } } }))

export const scanJob = (env: WorkerTestEnv, id: string) =>
  withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.findUniqueOrThrow({ where: { id }, include: { images: { orderBy: { id: 'asc' } } } }))

/** Polls `probe` until it returns a truthy value; fails with `label` after `timeoutMs`. */
export async function waitFor<T>(label: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${label}${last ? ` (last error: ${(last as Error).message})` : ''}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

export async function assertAuditVerifies(db: Db): Promise<void> {
  const result = await verifyAuditChain(db, SYSTEM_CONTEXT)
  assert.equal(result.ok, true, `audit chain broken at ${result.firstBrokenId}`)
}

export const terminal = (status: string) => ['completed', 'failed', 'cancelled'].includes(status)

/** What the API's cancel does (contract): conditional update to `cancelled` + audit, then print.cancel. */
export async function cancelAsApi(env: WorkerTestEnv, id: string): Promise<void> {
  await withTx(env.db, API_ADMIN, async (tx) => {
    const { count } = await tx.manufacturingJob.updateMany({ where: { id, status: { in: ['queued', 'uploading', 'starting', 'printing'] } }, data: { status: 'cancelled', finishedAt: new Date() } })
    assert.equal(count, 1)
    await writeAudit(tx, { actorType: 'user', actorId: 'user_admin', action: 'manufacturing.cancelled', targetType: 'manufacturing_job', targetId: id })
  })
  await enqueue(env.queues, 'print.cancel', { manufacturingJobId: id }, `${id}`)
}

export async function waitForJobStatus(env: WorkerTestEnv, id: string, status: string | ((s: string) => boolean), timeoutMs = 45_000) {
  return waitFor(`print job ${status}`, async () => {
    const job = await printJob(env, id)
    return (typeof status === 'string' ? job.status === status : status(job.status)) ? job : null
  }, timeoutMs)
}
