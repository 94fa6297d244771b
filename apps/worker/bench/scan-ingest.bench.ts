// npm run bench (scan ingest): 12 MP JPEGs through scan.ingest as docs/product.md §10 states the target —
// ≥ 20 images/s on one worker process per core, for each SCAN_SANITIZE mode (lossless, the default,
// and reencode) in one run: same fixtures, same measurement, printed side by side. Runs the
// production entry point (dist/main.js) once per core against the throwaway services of run-benches, and charges the CPU time of every
// process (workers, the S3 server, PostgreSQL, Redis) to the images: the report says where each
// image's time goes, not only how many went through.
import { randomBytes, randomUUID } from 'node:crypto'
import os from 'node:os'
import { Readable } from 'node:stream'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import type { WorkerConfig } from '@printforge/config'
import { createPrismaClient, SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { cpuMeter, createTestDatabase, serverOn, testEnvironment } from '@printforge/devstack'
import { enqueue, QUEUES, type QueueName } from '@printforge/jobs'
import { createObjectStore, createS3Client, quarantineKey } from '@printforge/storage'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import sharp from 'sharp'
import { spawnWorker } from '../test/process.ts'

const JOBS = 10
/** BENCH_CPU_PROF=<dir>: each worker writes a V8 CPU profile there on exit (open it in Chrome DevTools). */
const profile = (mode: string): string[] =>
  process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}/${mode}`] : []
const IMAGES_PER_JOB = 6
const cores = os.availableParallelism()
const env = testEnvironment()
const database = await createTestDatabase()
const bucket = `pfb-${randomBytes(5).toString('hex')}`
const s3 = createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey })
await s3.send(new CreateBucketCommand({ Bucket: bucket }))
const store = createObjectStore(s3, bucket)
const db = createPrismaClient({ url: database.appUrl, poolMax: 4 })
const prefix = `pfb${randomBytes(4).toString('hex')}`
const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null })
const queues = Object.fromEntries(QUEUES.map((q) => [q, new Queue(q, { connection: redis, prefix })])) as Record<QueueName, Queue>

/** The worker's production entry point (dist/main.js), configured through its environment. */
const config: WorkerConfig = {
  NODE_ENV: 'production', LOG_LEVEL: 'info', DATABASE_URL: database.appUrl, DATABASE_POOL_MAX: 10, DATABASE_TX_TIMEOUT_MS: 5_000,
  REDIS_URL: env.redisUrl, S3_ENDPOINT: env.s3.endpoint, S3_REGION: 'auto', S3_BUCKET: bucket, S3_ACCESS_KEY_ID: env.s3.accessKeyId,
  S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey, PRINTER_KEYS: `k1:${randomBytes(32).toString('base64')}`, SCAN_CONCURRENCY: 2, SCAN_SANITIZE: 'lossless',
  PRINT_CONCURRENCY: 8, JOB_RETENTION_DAYS: 90, AUDIT_RETENTION_DAYS: 365, SHUTDOWN_GRACE_MS: 5_000,
  QUEUE_PREFIX: prefix, WORKER_LOCK_MS: 30_000, SWEEP_EVERY_MS: 60_000, SWEEP_MIN_AGE_MS: 60_000, WORKER_QUEUES: 'scans',
  // One worker per core: none may take the default metrics port.
  METRICS_HOST: '127.0.0.1', METRICS_PORT: 0,
}

/** A scan job as the API leaves it: rows committed, every image in quarantine. */
async function arrangeJob(photo: Buffer): Promise<string> {
  const jobId = randomUUID()
  const imageIds = Array.from({ length: IMAGES_PER_JOB }, () => randomUUID())
  await Promise.all(imageIds.map((id) => store.putStream(quarantineKey(jobId, id), Readable.from([photo]), 'image/jpeg')))
  await withTx(db, SYSTEM_CONTEXT, (tx) =>
    tx.scanJob.create({
      data: {
        id: jobId, customerId: 'cus_bench', title: 'bench', imageCount: IMAGES_PER_JOB,
        images: { createMany: { data: imageIds.map((id) => ({ id, customerId: 'cus_bench', originalFilename: 'p.jpg', contentType: 'image/jpeg', bytes: photo.length, quarantineKey: quarantineKey(jobId, id) })) } },
      },
    }),
  )
  return jobId
}

/** 12 MP, the same bytes for every upload: large-scale structure (blurred noise) plus grain. */
async function photo(grain: number, blur: number | null): Promise<Buffer> {
  const size = { width: 4000, height: 3000, channels: 3 as const }
  let base = sharp({ create: { ...size, background: '#6a8caf', noise: { type: 'gaussian', mean: 110, sigma: blur === null ? grain : 60 } } })
  if (blur === null) return base.jpeg({ quality: 88 }).toBuffer()
  base = base.blur(blur)
  const [pixels, noise] = await Promise.all([
    base.raw().toBuffer(),
    sharp({ create: { ...size, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: grain } } }).raw().toBuffer(),
  ])
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, (pixels[i] ?? 0) + (noise[i] ?? 128) - 128))
  return sharp(pixels, { raw: size }).jpeg({ quality: 90 }).toBuffer()
}

const MODES = ['lossless', 'reencode'] as const
const results: string[] = []
let workers: Awaited<ReturnType<typeof spawnWorker>>[] = []
const meter = () =>
  cpuMeter({
    workers: () => workers.map((w) => w.child.pid ?? 0),
    's3 server (s3rver, local stand-in for R2)': () => [process.ppid],
    postgres: serverOn('postgres', env.postgresPort),
    redis: serverOn('redis-server', Number(new URL(env.redisUrl).port)),
  })

try {
  const fixtures: [string, Buffer][] = [
    ['photo (structure + light grain)', await photo(6, 2)],
    ['worst case (sensor noise everywhere)', await photo(18, null)],
  ]
  for (const mode of MODES) {
    workers = await Promise.all(Array.from({ length: cores }, () => spawnWorker({ ...config, SCAN_SANITIZE: mode }, {}, 'dist', profile(mode))))
    for (const [name, image] of fixtures) {
      const jobs: string[] = []
      for (let j = 0; j < JOBS; j++) jobs.push(await arrangeJob(image))
      const cpu = meter()
      cpu.start()
      const started = performance.now()
      for (const jobId of jobs) await enqueue(queues, 'scan.ingest', { scanJobId: jobId }, jobId)
      for (;;) {
        const done = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.scanJob.count({ where: { id: { in: jobs }, status: { in: ['stored', 'failed'] } } }))
        if (done === jobs.length) break
        if (performance.now() - started > 300_000) throw new Error('scan ingest did not finish within 5 minutes')
        await new Promise((r) => setTimeout(r, 50))
      }
      const seconds = (performance.now() - started) / 1000
      const spent = cpu.stop()
      const stored = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.scanImage.count({ where: { jobId: { in: jobs }, status: 'stored' } }))
      const bytes = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.scanImage.aggregate({ where: { jobId: { in: jobs }, status: 'stored' }, _avg: { bytes: true } }))
      const perImage = Object.entries(spent).map(([group, ms]) => `${group} ${(ms / stored).toFixed(0)}`).join(', ')
      const total = Object.values(spent).reduce((a, b) => a + b, 0)
      const rate = stored / seconds
      const line =
        `scan ingest [SCAN_SANITIZE=${mode}], ${name}: ${stored}/${JOBS * IMAGES_PER_JOB} 12 MP JPEGs of ${(image.length / 1e6).toFixed(1)} MB ` +
        `(stored ${((bytes._avg.bytes ?? 0) / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s = ` +
        `${rate.toFixed(1)} images/s on ${cores} worker processes (one per core, SCAN_CONCURRENCY=2; target ≥ 20 images/s: ${rate >= 20 ? 'met' : 'NOT met'})\n` +
        `  CPU ms per image: ${perImage}; all ${(total / stored).toFixed(0)} ms of ${cores * 1000} ms per second available ` +
        `(${((total / 1000 / seconds / cores) * 100).toFixed(0)} % of the machine)`
      console.log(line)
      results.push(line)
    }
    await Promise.all(workers.map((w) => w.kill('SIGTERM')))
    workers = []
  }
  console.log(`\nside by side:\n${results.join('\n')}`)
} finally {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')))
  await Promise.all(Object.values(queues).map((q) => q.close()))
  redis.disconnect()
  await db.$disconnect()
  await database.drop()
}
