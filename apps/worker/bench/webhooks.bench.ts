// npm run bench -- webhooks: webhook delivery at idle (commit of the emitting transaction → the
// request at a local receiver, p50/p99) and throughput (deliveries per second to a local receiver,
// one endpoint — bounded by WEBHOOK_ENDPOINT_CONCURRENCY — and four). In-process worker on the
// throwaway services of run-benches; bounded.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { createPrismaClient, SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { createTestDatabase, testEnvironment } from '@printforge/devstack'
import { createWebhookEndpoint, emitWebhookEvent, type WebhookEventType } from '@printforge/domain'
import { parsePrinterKeys } from '@printforge/printer-keys'
import { createLogger } from '@printforge/logger'
import { startWorker } from '../src/worker.ts'

const LATENCY_SAMPLES = 200
const env = testEnvironment()
const database = await createTestDatabase()
const db = createPrismaClient({ url: database.appUrl, poolMax: 4 })
const prefix = `pfb${randomBytes(4).toString('hex')}`
const arrivals = new Map<string, number>()
let received = 0
const server = http.createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c))
  req.on('end', () => {
    received++
    const n = (JSON.parse(body) as { data: { n?: string } }).data.n
    if (n !== undefined) arrivals.set(n, performance.now())
    res.end('ok')
  })
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const port = (server.address() as AddressInfo).port
const keys = `k1:${randomBytes(32).toString('base64')}`
const config = {
  NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.appUrl, DATABASE_POOL_MAX: 8, DATABASE_TX_TIMEOUT_MS: 5_000,
  REDIS_URL: env.redisUrl, S3_ENDPOINT: env.s3.endpoint, S3_REGION: 'auto', S3_BUCKET: env.s3.bucket, S3_ACCESS_KEY_ID: env.s3.accessKeyId,
  S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey, PRINTER_KEYS: keys, SCAN_CONCURRENCY: 2, SCAN_SANITIZE: 'lossless',
  PRINT_CONCURRENCY: 8, JOB_RETENTION_DAYS: 90, AUDIT_RETENTION_DAYS: 365, SHUTDOWN_GRACE_MS: 5_000,
  QUEUE_PREFIX: prefix, WORKER_LOCK_MS: 30_000, SWEEP_EVERY_MS: 60_000, SWEEP_MIN_AGE_MS: 60_000, WORKER_QUEUES: 'webhooks',
  METRICS_HOST: '127.0.0.1', METRICS_PORT: 0, WEBHOOK_DEV_TARGETS: `127.0.0.1:${port}`,
} as const
const worker = await startWorker(config, { queuePrefix: prefix, logger: createLogger({ name: 'bench', level: 'silent' }), printers: false, schedules: false, queues: ['webhooks'] })
const keyring = parsePrinterKeys(keys)
const admin = { actorId: 'user_bench', role: 'admin' } as const
const endpoint = (type: WebhookEventType) =>
  withTx(db, admin, (tx) => createWebhookEndpoint(tx, keyring, { url: `http://127.0.0.1:${port}/hook`, events: [type] }, { actorType: 'user', actorId: admin.actorId }, {}))
const waitUntil = async (done: () => boolean, ms: number) => {
  const deadline = Date.now() + ms
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1))
}

try {
  await endpoint('printer.offline')
  const latencies: number[] = []
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const n = String(i)
    await withTx(db, SYSTEM_CONTEXT, (tx) => emitWebhookEvent(tx, 'printer.offline', { n }))
    const committed = performance.now()
    await waitUntil(() => arrivals.has(n), 10_000)
    latencies.push((arrivals.get(n) ?? Number.POSITIVE_INFINITY) - committed)
    await new Promise((r) => setTimeout(r, 20)) // idle between events
  }
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1)
  console.log(`commit → delivered at the receiver (${latencies.length} events at idle): p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${latencies.at(-1)?.toFixed(1)} ms`)

  for (const [endpoints, events] of [[1, 1_000], [4, 500]] as const) {
    const type = endpoints === 1 ? 'scan.stored' : 'printer.error'
    for (let e = 0; e < endpoints; e++) await endpoint(type)
    const start = received
    const t0 = performance.now()
    // Emitted in batches of 50 per transaction, as a busy farm would.
    for (let i = 0; i < events; i += 50) {
      await withTx(db, SYSTEM_CONTEXT, async (tx) => {
        for (let j = i; j < i + 50; j++) await emitWebhookEvent(tx, type, { j })
      })
    }
    const total = events * endpoints
    await waitUntil(() => received - start >= total, 120_000)
    const seconds = (performance.now() - t0) / 1000
    console.log(`throughput: ${received - start}/${total} deliveries to ${endpoints} endpoint(s) in ${seconds.toFixed(2)} s: ${((received - start) / seconds).toFixed(0)} deliveries/s`)
  }
} finally {
  await worker.close()
  server.close()
  await db.$disconnect()
  await database.drop()
}
