import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before } from 'node:test'
import type { ApiConfig } from '@printforge/config'
import { createPrismaClient, SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { createTestDatabase, testEnvironment, type TestDatabase } from '@printforge/devstack'
import { createObjectStore, createS3Client, type ObjectStore } from '@printforge/storage'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { createSigner } from 'fast-jwt'
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppOptions } from '../src/app.ts'

export const ORIGIN = 'https://shop.example.com'

export interface TestApi {
  app: FastifyInstance
  config: ApiConfig
  database: TestDatabase
  /** printforge_app with any context, for arranging and inspecting rows */
  db: Db
  store: ObjectStore
  queuePrefix: string
  /** A valid Medusa token: customer by default. */
  token(claims?: Record<string, unknown>): string
  customer(id?: string): { id: string; auth: { authorization: string } }
  staff(role: 'operator' | 'admin' | 'none', id?: string): Promise<{ id: string; auth: { authorization: string } }>
}

export const randomId = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`

export function testConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  const env = testEnvironment()
  return {
    NODE_ENV: 'test',
    // TEST_LOG_LEVEL=error shows why a request failed when a test run goes wrong.
    LOG_LEVEL: (process.env.TEST_LOG_LEVEL ?? 'silent') as ApiConfig['LOG_LEVEL'],
    DATABASE_URL: 'set-by-useApi',
    DATABASE_POOL_MAX: 10,
    DATABASE_TX_TIMEOUT_MS: 5_000,
    REDIS_URL: env.redisUrl,
    S3_ENDPOINT: env.s3.endpoint,
    S3_REGION: 'auto',
    S3_BUCKET: env.s3.bucket,
    S3_ACCESS_KEY_ID: env.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
    HOST: '127.0.0.1',
    API_PORT: 0,
    ALLOWED_ORIGINS: `${ORIGIN},https://admin.example.com`,
    ALLOWED_HOSTS: 'localhost,127.0.0.1',
    TRUSTED_PROXIES: '',
    JWT_ALGORITHM: 'HS256',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    DEFAULT_MONTHLY_QUOTA: 20,
    PRINTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    MAX_MODEL_BYTES: 200 * 1024 * 1024,
    QUEUE_PREFIX: 'pf',
    ROLE_CACHE_TTL_MS: 1_000,
    // An in-process API never listens for metrics (server.ts does); a port other than 0 only keeps
    // its series recorded, which the tests read from app.metrics.
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: 9464,
    // An in-process test API shares its event loop and heap with the test driving it, which blocks
    // the loop on purpose (building images and archives, fuzzing) on a machine running several test
    // files at once. under-pressure counts a second without a loop tick as infinitely late, so any
    // delay limit would shed the test's own requests: off here. under-pressure.test.ts sets real
    // limits and proves the shedding.
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: 0,
    PRESSURE_MAX_HEAP_USED_BYTES: 2 * 1024 ** 3,
    LIVE_STREAMS_PER_ACTOR: 4,
    LIVE_MAX_STREAM_SECONDS: 3_600,
    ...overrides,
  }
}

/** An API instance on its own database and Redis prefixes, for one test file. */
export function useApi(
  overrides: Partial<ApiConfig> | (() => Promise<Partial<ApiConfig>>) = {},
  options: Partial<AppOptions> = {},
): TestApi {
  const api = {} as TestApi
  before(async () => {
    const settings = typeof overrides === 'function' ? await overrides() : overrides
    api.database = await createTestDatabase()
    const env = testEnvironment()
    // A bucket per test file: what one file stores or deletes never shows up in another's checks.
    const bucket = `pf-${randomBytes(6).toString('hex')}`
    const s3 = createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey })
    await s3.send(new CreateBucketCommand({ Bucket: bucket }))
    api.store = createObjectStore(s3, bucket)
    api.config = testConfig({ DATABASE_URL: api.database.appUrl, S3_BUCKET: bucket, ...settings })
    api.queuePrefix = `pft${randomBytes(4).toString('hex')}`
    api.app = await buildApp({
      config: api.config,
      queuePrefix: api.queuePrefix,
      redisKeyPrefix: `${api.queuePrefix}:`,
      ...options,
    })
    await api.app.ready()
    api.db = createPrismaClient({ url: api.database.appUrl, poolMax: 4 })
    const secret = api.config.JWT_SECRET
    const sign = secret ? createSigner({ key: secret, algorithm: 'HS256', expiresIn: 3_600_000 }) : () => assert.fail('no HS256 secret')
    api.token = (claims = {}) =>
      sign({ actor_id: randomId('cus'), actor_type: 'customer', auth_identity_id: randomId('authid'), app_metadata: {}, user_metadata: {}, ...claims })
    api.customer = (id = randomId('cus')) => ({ id, auth: { authorization: `Bearer ${api.token({ actor_id: id })}` } })
    api.staff = async (role, id = randomId('user')) => {
      if (role !== 'none') {
        await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.staff.create({ data: { userId: id, role, grantedBy: 'test' } }))
      }
      return { id, auth: { authorization: `Bearer ${api.token({ actor_id: id, actor_type: 'user' })}` } }
    }
  })
  after(async () => {
    // Bounded: a close that hangs must fail this file, not stall the whole run.
    await Promise.race([api.app?.close(), new Promise((r) => setTimeout(r, 15_000).unref())])
    await api.db?.$disconnect()
    await api.database?.drop()
  })
  return api
}

/** Rows of the audit log (system context), newest last. */
export async function auditRows(api: TestApi, where: { action?: string; targetId?: string; actorId?: string } = {}) {
  return withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where, orderBy: { id: 'asc' } }))
}

type Part = { name: string; value: string } | { name: string; filename: string; content: Buffer; contentType?: string }

/** A multipart/form-data body for app.inject. */
export function multipart(parts: Part[]) {
  const boundary = `----printforge${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    const disposition = 'filename' in part ? `form-data; name="${part.name}"; filename="${part.filename}"` : `form-data; name="${part.name}"`
    const type = 'filename' in part ? `Content-Type: ${part.contentType ?? 'application/octet-stream'}\r\n` : ''
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`))
    chunks.push('filename' in part ? part.content : Buffer.from(part.value))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** A multipart body from raw part headers, for parts `multipart()` cannot write (no name, no filename). */
export function rawMultipart(parts: [headers: string, body: Buffer | string][]) {
  const boundary = `----printforge${randomBytes(8).toString('hex')}`
  const chunks = parts.map(([head, body]) => Buffer.concat([Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`), Buffer.from(body), Buffer.from('\r\n')]))
  return { payload: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}
