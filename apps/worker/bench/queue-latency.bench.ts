// npm run bench (queue latency): API commit → worker start at idle (docs/product.md §10: p99 ≤ 50 ms). A
// row commits, the job is enqueued after the commit as the API does, and the worker's `active`
// event closes the clock. Runs against the throwaway services of run-benches; bounded.
import { randomBytes, randomUUID } from 'node:crypto'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { createPrismaClient, SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { createTestDatabase, testEnvironment } from '@printforge/devstack'
import { enqueue, QUEUES, type QueueName } from '@printforge/jobs'
import { createLogger } from '@printforge/logger'
import { createS3Client } from '@printforge/storage'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { startWorker } from '../src/worker.ts'

const LATENCY_SAMPLES = 300
const env = testEnvironment()
const database = await createTestDatabase()
const bucket = `pfb-${randomBytes(5).toString('hex')}`
const s3 = createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey })
await s3.send(new CreateBucketCommand({ Bucket: bucket }))
const db = createPrismaClient({ url: database.appUrl, poolMax: 4 })
const prefix = `pfb${randomBytes(4).toString('hex')}`
const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null })
const queues = Object.fromEntries(QUEUES.map((q) => [q, new Queue(q, { connection: redis, prefix })])) as Record<QueueName, Queue>
const config = {
  NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.appUrl, DATABASE_POOL_MAX: 8, DATABASE_TX_TIMEOUT_MS: 5_000,
  REDIS_URL: env.redisUrl, S3_ENDPOINT: env.s3.endpoint, S3_REGION: 'auto', S3_BUCKET: bucket, S3_ACCESS_KEY_ID: env.s3.accessKeyId,
  S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey, PRINTER_KEYS: `k1:${randomBytes(32).toString('base64')}`, SCAN_CONCURRENCY: 2, SCAN_SANITIZE: 'lossless',
  PRINT_CONCURRENCY: 8, JOB_RETENTION_DAYS: 90, AUDIT_RETENTION_DAYS: 365, SHUTDOWN_GRACE_MS: 5_000,
  QUEUE_PREFIX: prefix, WORKER_LOCK_MS: 30_000, SWEEP_EVERY_MS: 60_000, SWEEP_MIN_AGE_MS: 60_000, WORKER_QUEUES: 'scans',
  // In-process: startWorker never listens (main.ts does); the schema requires the settings.
  METRICS_HOST: '127.0.0.1', METRICS_PORT: 0,
} as const
const worker = await startWorker(config, { queuePrefix: prefix, logger: createLogger({ name: 'bench', level: 'silent' }), printers: false, schedules: false, queues: ['scans'] })

try {
  // ---- API commit → worker start, at idle: commit a row, enqueue after commit, time until the worker takes it
  const committedAt = new Map<string, number>()
  const latencies: number[] = []
  const scans = worker.workers[0]!
  scans.on('active', (job) => {
    const t0 = committedAt.get(String(job.data?.scanJobId))
    if (t0 !== undefined) latencies.push(performance.now() - t0)
  })
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const id = randomUUID()
    await withTx(db, SYSTEM_CONTEXT, (tx) => tx.scanJob.create({ data: { id, customerId: 'cus_bench', title: 'latency', imageCount: 0 } }))
    committedAt.set(id, performance.now())
    await enqueue(queues, 'scan.ingest', { scanJobId: id }, id)
    const deadline = Date.now() + 5_000
    while (latencies.length <= i && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1))
    await new Promise((r) => setTimeout(r, 10)) // idle between jobs
  }
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1)
  console.log(`commit → worker start (${latencies.length} jobs at idle): p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${latencies.at(-1)?.toFixed(1)} ms (target p99 ≤ 50 ms)`)
} finally {
  await worker.close()
  await Promise.all(Object.values(queues).map((q) => q.close()))
  redis.disconnect()
  await db.$disconnect()
  await database.drop()
}
