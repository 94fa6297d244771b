// docs/product.md §4.6 data rights at scale: API memory while one customer with a long history downloads
// GET /me/export (20,000 audit rows, 1,000 jobs with 2 images each by default). The export is
// streamed in batches, so the API's growth should not depend on the size of the history.
import { randomBytes, randomUUID } from 'node:crypto'
import http from 'node:http'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { createPrismaClient, SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { createTestDatabase, freePort, testEnvironment } from '@printforge/devstack'
import { createS3Client } from '@printforge/storage'
import { createSigner } from 'fast-jwt'
import { rssOf, spawnApi, waitReady } from './processes.ts'

const AUDIT_ROWS = Number(process.env['BENCH_EXPORT_AUDIT_ROWS'] ?? 20_000)
const JOBS = Number(process.env['BENCH_EXPORT_JOBS'] ?? 1_000)
const MiB = 1024 * 1024

const env = testEnvironment()
const database = await createTestDatabase()
const bucket = `pf-bench-${randomBytes(4).toString('hex')}`
await createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey }).send(new CreateBucketCommand({ Bucket: bucket }))
const jwtSecret = randomBytes(32).toString('base64url')
const port = await freePort()
const api = spawnApi({
  NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: database.appUrl, REDIS_URL: env.redisUrl,
  S3_ENDPOINT: env.s3.endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: env.s3.accessKeyId, S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
  JWT_SECRET: jwtSecret, API_PORT: String(port), ALLOWED_ORIGINS: 'https://shop.example.com', PRINTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  QUEUE_PREFIX: `pfb${randomBytes(3).toString('hex')}`,
})
const base = `http://127.0.0.1:${port}`
await waitReady(`${base}/health`, api)

// One customer's history, written as the system would have written it over the years. The audit
// chain trigger makes bulk inserts slow on a busy machine: batches in their own transactions.
const customerId = 'cus_bench_export'
const seed = createPrismaClient({ url: database.appUrl, poolMax: 2, statementTimeoutMs: 120_000 })
const jobs = Array.from({ length: JOBS }, (_, i) => ({ id: randomUUID(), customerId, title: `scan ${i}`, imageCount: 2, createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000) }))
await withTx(seed, SYSTEM_CONTEXT, async (tx) => {
  await tx.scanJob.createMany({ data: jobs })
  await tx.scanImage.createMany({
    data: jobs.flatMap((j) => [0, 1].map((k) => ({ jobId: j.id, customerId, originalFilename: `scan-${k}.jpg`, contentType: 'image/jpeg', bytes: 4_000_000, quarantineKey: `quarantine/${j.id}/${k}` }))),
  })
}, { timeoutMs: 120_000 })
// As the customer: the database accepts an audit row only from the actor it names (docs/product.md §5.3).
const asCustomer = { actorId: customerId, role: 'customer' as const }
for (let done = 0; done < AUDIT_ROWS; done += 2_000) {
  const rows = Math.min(2_000, AUDIT_ROWS - done)
  await withTx(seed, asCustomer, (tx) =>
    tx.auditLog.createMany({
      data: Array.from({ length: rows }, (_, i) => ({
        actorType: 'customer' as const, actorId: customerId, action: 'file.downloaded', targetType: 'scan_image', targetId: randomUUID(),
        ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (bench)', requestId: randomUUID(), details: { n: done + i, bytes: 4_000_000 },
      })),
    }), { timeoutMs: 120_000 })
}
await seed.$disconnect()

const sign = createSigner({ key: jwtSecret, algorithm: 'HS256', expiresIn: 3_600_000 })
const token = sign({ actor_id: customerId, actor_type: 'customer', auth_identity_id: 'a_bench' })
// Warm-up: a customer with a short history exports first, so connections, JIT and the query
// compiler's plans are in place and the measured growth is what the long history costs.
const small = sign({ actor_id: 'cus_bench_small', actor_type: 'customer', auth_identity_id: 'a_small' })
await (await fetch(`${base}/me/export`, { headers: { authorization: `Bearer ${small}` } })).text()
await new Promise((r) => setTimeout(r, 1_000))

const baseline = rssOf(api.pid!)
let peak = baseline
const sampler = setInterval(() => (peak = Math.max(peak, rssOf(api.pid!))), 10)
const t0 = performance.now()
const { status, bytes, transfer, text } = await new Promise<{ status: number; bytes: number; transfer: string; text: string }>((resolve, reject) => {
  http.get(`${base}/me/export`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c))
    res.on('end', () => {
      const body = Buffer.concat(chunks)
      resolve({ status: res.statusCode ?? 0, bytes: body.length, transfer: res.headers['transfer-encoding'] ?? `content-length ${res.headers['content-length']}`, text: body.toString('utf8') })
    })
    res.on('error', reject)
  }).on('error', reject)
})
clearInterval(sampler)
const seconds = (performance.now() - t0) / 1000
const document = JSON.parse(text) as { jobs: unknown[]; auditTrail: unknown[] }
console.log(`GET /me/export, ${JOBS} jobs × 2 images + ${AUDIT_ROWS} audit rows: HTTP ${status}, ${(bytes / MiB).toFixed(1)} MiB (${transfer}) in ${seconds.toFixed(1)} s`)
console.log(`  document: ${document.jobs.length} jobs, ${document.auditTrail.length} audit rows`)
console.log(`  API RSS baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB, growth ${((peak - baseline) / MiB).toFixed(1)} MiB`)

api.kill('SIGTERM')
await database.drop()
process.exit(0)
