// Drives the real API in-process (buildApp from @printforge/api) for end-to-end tests: the same
// commit-then-enqueue path a customer's upload takes, on this test file's database and prefix.
import { createHmac, randomBytes } from 'node:crypto'
import { after } from 'node:test'
import { buildApp } from '@printforge/api'
import { ApiEnvSchema, loadConfig, refineApiConfig } from '@printforge/config'
import { testEnvironment } from '@printforge/devstack'
import type { WorkerTestEnv } from './helper.ts'

export interface StartApiOptions {
  /** Extra settings (LOG_LEVEL, OTEL_EXPORTER_OTLP_ENDPOINT…), as the environment would give them. */
  env?: Record<string, string>
  /** Where the API's log lines go (default: LOG_LEVEL silent, nowhere). */
  logStream?: NodeJS.WritableStream
}

export async function startApi(env: WorkerTestEnv, options: StartApiOptions = {}) {
  const s3 = testEnvironment().s3
  // A given JWT_SECRET (a real Medusa's, in the storefront e2e) also signs this helper's tokens.
  const secret = options.env?.['JWT_SECRET'] ?? randomBytes(32).toString('base64url')
  const config = loadConfig(ApiEnvSchema, {
    NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: env.database.appUrl, REDIS_URL: env.config.REDIS_URL,
    S3_ENDPOINT: s3.endpoint, S3_BUCKET: env.bucket, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    ALLOWED_ORIGINS: 'https://shop.example.com', JWT_SECRET: secret, PRINTER_KEYS: env.config.PRINTER_KEYS,
    // This API shares its event loop with the worker, the virtual printers and the test: on a loaded
    // two-core machine a second without a tick made under-pressure shed the test's own requests
    // (503 "overloaded"). Off here, as in apps/api's in-process tests; under-pressure.test.ts proves it.
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...options.env,
  }, refineApiConfig)
  const app = await buildApp({ config, queuePrefix: env.prefix, redisKeyPrefix: `${env.prefix}:`, ...(options.logStream ? { logStream: options.logStream } : {}) })
  await app.ready()
  after(() => app.close())
  /** An HS256 Medusa token (customer, or `user` for staff), signed by hand (no JWT library needed for a test). */
  const token = (actorId: string, actorType: 'customer' | 'user' = 'customer') => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const now = Math.floor(Date.now() / 1000)
    const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ actor_id: actorId, actor_type: actorType, auth_identity_id: `authid_${actorId}`, app_metadata: {}, user_metadata: {}, iat: now, exp: now + 3600 })}`
    return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
  }
  return { app, token }
}

/** multipart/form-data for app.inject. */
export function multipart(parts: Array<{ name: string; value: string } | { name: string; filename: string; content: Buffer; contentType: string }>) {
  const boundary = `----pfw${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    const file = 'filename' in part
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${file ? `; filename="${part.filename}"` : ''}\r\n${file ? `Content-Type: ${part.contentType}\r\n` : ''}\r\n`))
    chunks.push(file ? part.content : Buffer.from(part.value), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}
