import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { SYSTEM_CONTEXT, createPrismaClient, withTx } from '@printforge/db'
import { createTestDatabase, freePort, testEnvironment, type TestDatabase } from '@printforge/devstack'
import { createObjectStore, createS3Client } from '@printforge/storage'
import { createSigner } from 'fast-jwt'
import { multipart } from './helper.ts'
import { jpeg } from './images.ts'

// The real server process (dist/server.js), as the process manager runs it.
let database: TestDatabase
let api: ChildProcess
let port: number
const secret = randomBytes(32).toString('base64url')
const bucket = `pf-${randomBytes(6).toString('hex')}`
const token = createSigner({ key: secret, algorithm: 'HS256', expiresIn: 600_000 })({ actor_id: 'cus_sigterm', actor_type: 'customer' })

before(async () => {
  const env = testEnvironment()
  database = await createTestDatabase()
  const s3 = createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey })
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  port = await freePort()
  api = spawn(process.execPath, [fileURLToPath(new URL('../dist/server.js', import.meta.url))], {
    env: {
      PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', LOG_LEVEL: process.env['PF_TEST_API_LOG'] ?? 'warn', DATABASE_URL: database.appUrl, REDIS_URL: env.redisUrl,
      S3_ENDPOINT: env.s3.endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: env.s3.accessKeyId, S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
      JWT_SECRET: secret, API_PORT: String(port), ALLOWED_ORIGINS: 'https://shop.example.com', PRINTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    },
    stdio: ['ignore', process.env['PF_TEST_API_LOG'] ? 'inherit' : 'ignore', 'inherit'],
  })
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('API did not start')
})
after(async () => {
  api?.kill('SIGKILL')
  await database?.drop()
})

describe('SIGTERM during an upload (PRODUCT §6, §12)', () => {
  test('the upload in flight completes and its job is kept; new requests are refused; the process exits cleanly', async () => {
    const body = multipart([{ name: 'title', value: 'in flight' }, { name: 'images', filename: 'a.jpg', content: await jpeg(640, 480) }])
    const exited = new Promise<number | null>((resolve) => api.once('exit', (code) => resolve(code)))
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(`http://127.0.0.1:${port}/jobs/create`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...body.headers } }, (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      })
      request.on('error', reject)
      request.write(body.payload.subarray(0, 300))
      setTimeout(() => {
        api.kill('SIGTERM')
        // Keep streaming after the signal: the request started before it and must be served.
        setTimeout(() => request.end(body.payload.subarray(300)), 500)
      }, 300)
    })
    const result = await response
    assert.equal(result.status, 202, result.body)
    const jobId = JSON.parse(result.body).job.id as string
    const refused = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 'refused')
    assert.ok(refused === 'refused' || refused === 503, `after SIGTERM: ${refused}`)
    assert.equal(await exited, 0)
    const db = createPrismaClient({ url: database.appUrl, poolMax: 1 })
    try {
      const job = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.scanJob.findUniqueOrThrow({ where: { id: jobId }, include: { images: true } }))
      assert.equal(job.status, 'queued')
      const env = testEnvironment()
      const store = createObjectStore(createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey }), bucket)
      assert.deepEqual(await store.listKeys(`quarantine/${jobId}/`), [job.images[0]?.quarantineKey])
    } finally {
      await db.$disconnect()
    }
  })
})
