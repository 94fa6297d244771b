// docs/product.md §10, API targets, measured on the local stack:
// - authenticated GET /jobs/:id (JWT + Redis rate limit + RLS transaction) in interleaved rounds with
//   its peers: the seed design it replaced (seed-design/app.py: FastAPI, python-jose, limits on
//   Redis, asyncpg; 1 and 2 uvicorn workers, and 2 with its own middleware), a bare Fastify hello
//   and a bare FastAPI hello; medians of req/s, p99 and CPU per request (API, PostgreSQL, Redis)
// - p99 at a fixed 500 req/s (ours and the seed's best) and 1,000 req/s (ours); rejections' p99;
//   503 latency with Redis down
// - API memory growth while one request uploads 50 × 10 MiB
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { createPrismaClient, withTx } from '@printforge/db'
import { createTestDatabase, freePort, processTree, serverOn, startRedis, testEnvironment } from '@printforge/devstack'
import { createS3Client } from '@printforge/storage'
import type autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import { Redis } from 'ioredis'
import sharp from 'sharp'
import { rssOf, spawnApi, spawnHello, waitReady } from './processes.ts'
import { measure, medianOf, printTable, run, type Peer, type Result, type Sample } from './rounds.ts'
import { serverCounters } from './per-request.ts'
import { seedRuntime, seedUnavailable, spawnSeed } from './seed-design.ts'

const env = testEnvironment()
const database = await createTestDatabase()
const bucket = `pf-bench-${randomBytes(4).toString('hex')}`
await createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey }).send(new CreateBucketCommand({ Bucket: bucket }))
const redisDir = await mkdtemp(path.join(os.tmpdir(), 'pf-bench-redis-'))
const redis = await startRedis({ port: await freePort(), password: randomBytes(24).toString('base64url'), dir: redisDir, appendOnly: false })
const jwtSecret = randomBytes(32).toString('base64url')
const [apiPort, helloPort, metricsPort, noMetricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()]
const apiEnv = (port: number, metrics = 0) => ({
  METRICS_PORT: String(metrics),
  NODE_ENV: 'production', LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'info', DATABASE_URL: database.appUrl, DATABASE_POOL_MAX: process.env['BENCH_POOL'] ?? '8', REDIS_URL: redis.url,
  S3_ENDPOINT: env.s3.endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: env.s3.accessKeyId, S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
  JWT_SECRET: jwtSecret, API_PORT: String(port), ALLOWED_ORIGINS: 'https://shop.example.com', DEFAULT_MONTHLY_QUOTA: '100',
  PRINTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
})
const api = spawnApi(apiEnv(apiPort, metricsPort))
// The same API with METRICS_PORT=0 (no listener, no per-request series): the "without" of the
// metrics cost (docs/product.md §10: < 5 % of the read path's throughput).
const apiNoMetrics = spawnApi(apiEnv(noMetricsPort))
// BENCH_BASELINE_API=<apps/api of another built checkout>: that API joins the rounds (same database,
// which carries this checkout's migrations), so a change is measured against its base in one run.
const baselineRoot = process.env['BENCH_BASELINE_API']
const baselinePort = baselineRoot ? await freePort() : 0
const baselineApi = baselineRoot ? spawnApi(apiEnv(baselinePort), baselineRoot) : undefined
if (baselineApi) await waitReady(`http://127.0.0.1:${baselinePort}/health`, baselineApi)
const hello = spawnHello(helloPort)
const base = `http://127.0.0.1:${apiPort}`
await Promise.all([waitReady(`${base}/health`, api), waitReady(`http://127.0.0.1:${noMetricsPort}/health`, apiNoMetrics), waitReady(`http://127.0.0.1:${helloPort}/`, hello)])
// Prometheus scrapes every 15 s by default; every 5 s here, so the "with" pays for its scrapes too.
const scrapes = { count: 0, bytes: 0 }
const scraper = setInterval(() => {
  void fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(async (r) => {
    scrapes.bytes += (await r.text()).length
    scrapes.count += 1
  }, () => {})
}, 5_000)

// The seed design against the same database (as the same app role), Redis and JWT secret.
const seedMissing = seedUnavailable()
const seedEnv = { SEED_DATABASE_URL: database.appUrl, SEED_REDIS_URL: redis.url, SEED_JWT_SECRET: jwtSecret, SEED_POOL_SIZE: process.env['BENCH_POOL'] ?? '8', SEED_ALLOWED_ORIGIN: 'https://shop.example.com' }
const seeds = seedMissing
  ? undefined
  : {
      one: { port: await freePort(), workers: 1, app: 'app' as const, env: seedEnv },
      two: { port: await freePort(), workers: 2, app: 'app' as const, env: seedEnv },
      middleware: { port: await freePort(), workers: 2, app: 'app' as const, env: { ...seedEnv, SEED_MIDDLEWARE: '1' } },
      hello: { port: await freePort(), workers: 1, app: 'hello' as const },
    }
const seedProcesses = seeds ? Object.fromEntries(Object.entries(seeds).map(([name, options]) => [name, spawnSeed(options)])) : {}
// A failing run must not leave its servers behind: whatever this bench started and is still running
// goes with it (uvicorn's workers first, then their supervisor).
process.on('exit', () => {
  for (const child of [api, apiNoMetrics, ...(baselineApi ? [baselineApi] : []), hello, redis.process, ...Object.values(seedProcesses)]) {
    if (child.exitCode !== null || child.signalCode !== null) continue
    for (const pid of processTree(child.pid!).reverse()) {
      try {
        process.kill(pid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
  }
})
if (seeds) {
  await Promise.all(Object.entries(seeds).map(([name, o]) => waitReady(`http://127.0.0.1:${o.port}${o.app === 'app' ? '/health' : '/'}`, seedProcesses[name]!)))
}

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

const rotating = () => ({
  setupRequest: (request: autocannon.Request) => {
    const actor = actors[Math.floor(Math.random() * actors.length)]!
    return { ...request, path: `/jobs/${actor.jobId}`, headers: { ...request.headers, authorization: actor.token } }
  },
})
const line = (label: string, r: Result, target = '') =>
  console.log(`${label.padEnd(44)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx ${r.non2xx}  ${target}`)

// Every run starts with fresh rate-limit windows (ours: pf:pf-rl:*, the seed's limits: LIMITER/*): the
// rounds put ~50 s of traffic from the same 500 actors into each minute, which would otherwise
// reach 100/min per actor and measure 429s instead of reads.
const limits = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
async function resetRateLimits() {
  // Ours live under the API's Redis key prefix (`pf:`, plugins/app/redis.ts): SCAN matches whole keys.
  for (const pattern of ['pf:pf-rl:*', 'LIMITER*']) {
    for await (const keys of limits.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await limits.del(...keys)
    }
  }
}

const duration = Number(process.env['BENCH_SECONDS'] ?? 10)
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3)
// The middleware variant only shows how much the seed's own middleware costs: a shorter run.
const middlewareSeconds = Math.max(2, Math.round(duration / 2))
const peer = (label: string, pid: number, port: number, options: Partial<autocannon.Options> = {}, seconds = duration): Peer =>
  ({ label, pid, seconds, options: { url: `http://127.0.0.1:${port}`, ...options } })
// Every read peer gets the same browser-like request: an allow-listed Origin and a bearer token.
const reads = { requests: [rotating()], headers: { origin: 'https://shop.example.com' } }
const peers = {
  ours: peer('PrintForge GET /jobs/:id', api.pid!, apiPort, reads),
  oursNoMetrics: peer('PrintForge GET /jobs/:id, METRICS_PORT=0', apiNoMetrics.pid!, noMetricsPort, reads),
  ...(baselineApi && { baseline: peer(`baseline ${baselineRoot!.replace(/\/apps\/api\/?$/, '')} GET /jobs/:id`, baselineApi.pid!, baselinePort, reads) }),
  ...(seeds && {
    seedOne: peer('seed design, 1 uvicorn worker', seedProcesses['one']!.pid!, seeds.one.port, reads),
    seedTwo: peer('seed design, 2 uvicorn workers', seedProcesses['two']!.pid!, seeds.two.port, reads),
    seedMiddleware: peer('seed + own CORS/header/host middleware, 2 w', seedProcesses['middleware']!.pid!, seeds.middleware.port, reads, middlewareSeconds),
  }),
  fastifyHello: peer('bare Fastify hello', hello.pid!, helloPort),
  ...(seeds && { fastapiHello: peer('bare FastAPI hello (1 uvicorn worker)', seedProcesses['hello']!.pid!, seeds.hello.port) }),
}

// Warm-up: JIT, pools, the token cache.
for (const p of Object.values(peers)) {
  await resetRateLimits()
  await run({ ...p.options, connections: 10, duration: 2 })
}
// Same work, same answers: each seed peer answers a job exactly as ours does, 404 for another
// customer's job and 401 without a token.
const answer = async (p: Peer, jobId: string, authorization?: string) => {
  const response = await fetch(`${p.options.url as string}/jobs/${jobId}`, { headers: authorization ? { authorization } : {} })
  const text = await response.text()
  return { status: response.status, body: response.status === 200 ? (JSON.parse(text) as unknown) : text }
}
const [owner, other] = [actors[4]!, actors[5]!]
const expected = await answer(peers.ours, owner.jobId, owner.token)
for (const p of [peers.ours, peers.oursNoMetrics, peers.baseline, peers.seedOne, peers.seedTwo, peers.seedMiddleware]) {
  if (!p) continue
  const [own, foreign, anonymous] = [await answer(p, owner.jobId, owner.token), await answer(p, other.jobId, owner.token), await answer(p, owner.jobId)]
  assert.deepEqual(own, { status: 200, body: expected.body }, `${p.label}: GET /jobs/:id of one's own job`)
  assert.equal(foreign.status, 404, `${p.label}: another customer's job`)
  assert.equal(anonymous.status, 401, `${p.label}: no token`)
}

const postgres = serverOn('postgres', env.postgresPort)
const samples = new Map<Peer, Sample[]>()
for (let round = 0; round < rounds; round++) {
  // Every other round in reverse: no peer always runs right after the same neighbour (a machine's
  // state after a heavy run, Redis or PostgreSQL still busy, would otherwise always favour one).
  const order = round % 2 === 0 ? Object.values(peers) : Object.values(peers).reverse()
  for (const p of order) {
    await resetRateLimits()
    samples.set(p, [...(samples.get(p) ?? []), await measure(p, postgres, redis.process.pid!)])
  }
}
const medians = new Map([...samples].map(([p, list]) => [p, medianOf(list)]))
const of = (p: Peer | undefined) => (p ? medians.get(p) : undefined)

// Fixed rates from 10 connections: 1,000 req/s from 50 connections in lockstep measures bursts, not latency.
const fixed = async (p: Peer, rate: number) => {
  await resetRateLimits()
  return run({ ...p.options, connections: 10, duration, overallRate: rate })
}
// A server too slow for the rate at c=10 only gets the requests its latency lets through, and its p99
// then hides the queueing it would cause (coordinated omission): say so instead of comparing it.
const kept = (r: Result, rate: number) => (r.requests.average >= 0.95 * rate ? '' : ` [did not keep ${rate} req/s: p99 understated]`)
const oursAt500 = await fixed(peers.ours, 500)
const seedAt500 = peers.seedTwo ? await fixed(peers.seedTwo, 500) : undefined
const fixedRate = await fixed(peers.ours, 1000)
// Statements and commands behind one read, counted by PostgreSQL and Redis over a short run each.
const counters = await serverCounters(database.superuserUrl, limits)
const perRequest: [string, string[]][] = []
for (const p of [peers.ours, peers.baseline, peers.seedTwo]) {
  if (!p) continue
  await resetRateLimits()
  await counters.reset()
  const r = await run({ ...p.options, connections: 10, duration: 3 })
  perRequest.push([p.label, await counters.report(r.requests.total)])
}
await counters.close()
await resetRateLimits()
const unauthenticated = await run({ url: `${base}/jobs/${actors[0]!.jobId}`, connections: 10, duration: 5 })
const forbidden = await run({ url: `${base}/staff`, connections: 10, duration: 5, headers: { authorization: actors[1]!.token } })

console.log(`\nAPI read path: ${rounds} interleaved rounds, c=50, ${duration} s per run${seeds ? ` (the seed's middleware variant ${middlewareSeconds} s)` : ''}`)
console.log(seedMissing ? `seed design comparison skipped: ${seedMissing}` : `seed design: ${seedRuntime()}, asyncpg pool ${seedEnv.SEED_POOL_SIZE} per worker (ours: pg pool ${seedEnv.SEED_POOL_SIZE})`)
printTable(Object.entries(peers).map(([name, p]) => ({ label: p.label, sample: of(p)!, rounds, seconds: p.seconds, hello: name.endsWith('Hello') })))

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met')
const ours = of(peers.ours)!
const fastifyHello = of(peers.fastifyHello)!
const seedTwo = of(peers.seedTwo)
console.log('')
if (seedTwo) {
  const ratio = ours.rps / seedTwo.rps
  console.log(`throughput, ours / seed 2 workers:        ${ratio.toFixed(2)}×  (target ≥ 2×: ${verdict(ratio >= 2)})`)
}
const share = (100 * ours.rps) / fastifyHello.rps
console.log(`throughput, ours / Fastify hello:         ${share.toFixed(1)} %  (target ≥ 10 %: ${verdict(share >= 10)})`)
const fastapiHello = of(peers.fastapiHello)
if (fastapiHello) console.log(`throughput, seed 2 workers / FastAPI hello: ${((100 * seedTwo!.rps) / fastapiHello.rps).toFixed(1)} %  (for reference)`)
if (seedTwo) {
  console.log(`PostgreSQL CPU per read, ours / seed 2 w:  ${ours.postgres.toFixed(3)} / ${seedTwo.postgres.toFixed(3)} ms  (target ≤ the seed's: ${verdict(ours.postgres <= seedTwo.postgres)})`)
  console.log(`API CPU per read, ours / seed 2 w:         ${ours.api.toFixed(3)} / ${seedTwo.api.toFixed(3)} ms  (for reference)`)
}
const noMetrics = of(peers.oursNoMetrics)!
const metricsCost = 100 * (1 - ours.rps / noMetrics.rps)
console.log(`metrics cost, with / without:             ${ours.rps.toFixed(0)} / ${noMetrics.rps.toFixed(0)} req/s = ${metricsCost.toFixed(1)} % of throughput, API CPU per read ${ours.api.toFixed(3)} / ${noMetrics.api.toFixed(3)} ms, ${scrapes.count} scrapes of ~${Math.round(scrapes.bytes / Math.max(1, scrapes.count) / 1024)} KiB  (target < 5 %: ${verdict(metricsCost < 5)})`)
const baselineSample = of(peers.baseline)
if (baselineSample) {
  console.log(`throughput, ours / baseline:              ${(ours.rps / baselineSample.rps).toFixed(2)}×  (PostgreSQL CPU per read ${ours.postgres.toFixed(3)} / ${baselineSample.postgres.toFixed(3)} ms, API CPU ${ours.api.toFixed(3)} / ${baselineSample.api.toFixed(3)} ms)`)
}
console.log('\nPer read, as the servers count it (3 s at c=10 each):')
for (const [label, lines] of perRequest) console.log(`${label}\n${lines.join('\n')}`)
console.log('')
line('GET /jobs/:id at a fixed 500 req/s (c=10)', oursAt500, (seedAt500 ? `(target p99 ≤ the seed's: ${verdict(oursAt500.latency.p99 <= seedAt500.latency.p99)})` : '') + kept(oursAt500, 500))
if (seedAt500) line('seed design, 2 w, at a fixed 500 req/s (c=10)', seedAt500, kept(seedAt500, 500))
line('GET /jobs/:id at a fixed 1,000 req/s (c=10)', fixedRate, `(target p99 ≤ 25 ms: ${verdict(fixedRate.latency.p99 <= 25)})${kept(fixedRate, 1000)}`)
line('401/429 no token (auth-failure budget)', unauthenticated, '(target p99 ≤ 10 ms)')
line('403 customer on /staff', forbidden, '(target p99 ≤ 10 ms)')
for (const child of Object.values(seedProcesses)) {
  for (const pid of processTree(child.pid!).reverse()) process.kill(pid, 'SIGTERM')
}
limits.disconnect()
clearInterval(scraper)

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
