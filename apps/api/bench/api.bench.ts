// docs/product.md §10, API targets, measured on the local stack:
// - authenticated GET /jobs/:id (JWT + Redis rate limit + RLS transaction) vs a bare Fastify hello
// - p99 at a fixed 1,000 req/s; rejections' p99; 503 latency with Redis down
// - API memory growth while one request uploads 50 × 10 MiB
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { createPrismaClient, withTx } from '@printforge/db'
import { createTestDatabase, freePort, startRedis, testEnvironment } from '@printforge/devstack'
import { createS3Client } from '@printforge/storage'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import sharp from 'sharp'
import { rssOf, spawnApi, spawnHello, waitReady } from './processes.ts'

const env = testEnvironment()
const database = await createTestDatabase()
const bucket = `pf-bench-${randomBytes(4).toString('hex')}`
await createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey }).send(new CreateBucketCommand({ Bucket: bucket }))
const redisDir = await mkdtemp(path.join(os.tmpdir(), 'pf-bench-redis-'))
const redis = await startRedis({ port: await freePort(), password: randomBytes(24).toString('base64url'), dir: redisDir, appendOnly: false })
const jwtSecret = randomBytes(32).toString('base64url')
const [apiPort, helloPort] = [await freePort(), await freePort()]
const api = spawnApi({
  NODE_ENV: 'production', LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'info', DATABASE_URL: database.appUrl, DATABASE_POOL_MAX: process.env['BENCH_POOL'] ?? '8', REDIS_URL: redis.url,
  S3_ENDPOINT: env.s3.endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: env.s3.accessKeyId, S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
  JWT_SECRET: jwtSecret, API_PORT: String(apiPort), ALLOWED_ORIGINS: 'https://shop.example.com', DEFAULT_MONTHLY_QUOTA: '100',
  PRINTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
})
const hello = spawnHello(helloPort)
const base = `http://127.0.0.1:${apiPort}`
await Promise.all([waitReady(`${base}/health`, api), waitReady(`http://127.0.0.1:${helloPort}/`, hello)])

// 500 customers with one job each: enough actors that 100/min per actor never limits the run.
const sign = createSigner({ key: jwtSecret, algorithm: 'HS256', expiresIn: 3_600_000 })
const seed = createPrismaClient({ url: database.appUrl, poolMax: 10 })
const actors: { token: string; jobId: string }[] = []
for (let i = 0; i < 500; i++) {
  const customerId = `cus_bench_${i}`
  const job = await withTx(seed, { actorId: customerId, role: 'customer' }, (tx) => tx.scanJob.create({ data: { customerId, title: `bench ${i}`, imageCount: 0 }, select: { id: true } }))
  actors.push({ token: `Bearer ${sign({ actor_id: customerId, actor_type: 'customer', auth_identity_id: `a_${i}` })}`, jobId: job.id })
}
await seed.$disconnect()

type Result = autocannon.Result
const run = (options: autocannon.Options) => new Promise<Result>((resolve, reject) => autocannon(options, (err, result) => (err ? reject(err) : resolve(result))))
const rotating = () => ({
  setupRequest: (request: autocannon.Request) => {
    const actor = actors[Math.floor(Math.random() * actors.length)]!
    return { ...request, path: `/jobs/${actor.jobId}`, headers: { authorization: actor.token } }
  },
})
const line = (label: string, r: Result, target = '') =>
  console.log(`${label.padEnd(44)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx ${r.non2xx}  ${target}`)

const duration = Number(process.env["BENCH_SECONDS"] ?? 10)
await run({ url: `${base}/`, connections: 10, duration: 2, requests: [rotating()] }) // warm-up
const helloResult = await run({ url: `http://127.0.0.1:${helloPort}/`, connections: 50, duration })
const readResult = await run({ url: base, connections: 50, duration, requests: [rotating()] })
// Fixed rate from 10 connections: 1,000 req/s from 50 connections in lockstep measures bursts, not latency.
const fixedRate = await run({ url: base, connections: 10, duration, overallRate: 1000, requests: [rotating()] })
const unauthenticated = await run({ url: `${base}/jobs/${actors[0]!.jobId}`, connections: 10, duration: 5 })
const forbidden = await run({ url: `${base}/staff`, connections: 10, duration: 5, headers: { authorization: actors[1]!.token } })

console.log(`\nAPI read path (c=50, ${duration} s each)`)
line('bare Fastify hello', helloResult)
line('GET /jobs/:id (JWT + rate limit + RLS tx)', readResult, `→ ${((100 * readResult.requests.average) / helloResult.requests.average).toFixed(1)} % of hello (target ≥ 10 %)`)
line('GET /jobs/:id at a fixed 1,000 req/s (c=10)', fixedRate, '(target p99 ≤ 25 ms)')
line('401/429 no token (auth-failure budget)', unauthenticated, '(target p99 ≤ 10 ms)')
line('403 customer on /staff', forbidden, '(target p99 ≤ 10 ms)')

// One request uploading 50 × 10 MiB: memory must stay flat (streaming, never buffering).
const head = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 90, g: 90, b: 90 } } }).jpeg().toBuffer()
const file = Buffer.concat([head, Buffer.alloc(10 * 1024 * 1024 - head.length, 0x20)])
const boundary = `----pfbench${randomBytes(6).toString('hex')}`
const uploader = actors[2]!
const baseline = rssOf(api.pid!)
let peak = baseline
const sampler = setInterval(() => (peak = Math.max(peak, rssOf(api.pid!))), 20)
const t0 = performance.now()
const status = await new Promise<number>((resolve, reject) => {
  const request = http.request(`${base}/jobs/create`, { method: 'POST', headers: { authorization: uploader.token, 'content-type': `multipart/form-data; boundary=${boundary}` } }, (res) => {
    res.resume()
    res.on('end', () => resolve(res.statusCode ?? 0))
  })
  request.on('error', reject)
  void (async () => {
    const write = (chunk: Buffer | string) => new Promise<void>((r) => (request.write(chunk) ? r() : request.once('drain', r)))
    await write(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nbench upload\r\n`)
    for (let i = 0; i < 50; i++) {
      await write(`--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="scan-${i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`)
      await write(file)
      await write('\r\n')
    }
    request.end(`--${boundary}--\r\n`)
  })()
})
clearInterval(sampler)
const seconds = (performance.now() - t0) / 1000
const MiB = 1024 * 1024
console.log(`\nUpload of 50 × 10 MiB in one request: HTTP ${status} in ${seconds.toFixed(1)} s (${(500 / seconds).toFixed(0)} MiB/s)`)
console.log(`  API RSS baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB, growth ${((peak - baseline) / MiB).toFixed(1)} MiB (target ≤ 64 MiB)`)

// Redis down: writes must fail fast (503), reads keep answering.
redis.process.kill('SIGKILL')
await new Promise((r) => setTimeout(r, 1_500))
const writesDown = await run({ url: `${base}/jobs/create`, method: 'POST', connections: 10, duration: 3, headers: { authorization: actors[3]!.token, 'content-type': `multipart/form-data; boundary=x` }, body: '--x--\r\n' })
const readsDown = await run({ url: base, connections: 10, duration: 3, requests: [rotating()] })
console.log('\nRedis killed')
line('POST /jobs/create → 503', writesDown, `(${writesDown.statusCodeStats?.['503']?.count ?? 0} × 503; target ≤ 100 ms)`)
line('GET /jobs/:id keeps answering', readsDown)

api.kill('SIGTERM')
hello.kill('SIGTERM')
await rm(redisDir, { recursive: true, force: true })
await database.drop()
process.exit(0)
