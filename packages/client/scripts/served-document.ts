// The OpenAPI document the API serves, taken from the real app built in-process (buildApp from
// @printforge/api): the same route schemas and transform as GET /docs/json, so the generated types
// cannot describe an API other than the one that runs. Building the app connects to PostgreSQL
// (the boot refuses an unsafe database role), Redis and S3, so this runs against a test stack:
// PRINTFORGE_TEST_ENV, set by `npm test` or by generate.ts's throwaway stack.
import { randomBytes } from 'node:crypto'
import { buildApp } from '@printforge/api'
import { ApiEnvSchema, loadConfig, refineApiConfig, type ApiConfig } from '@printforge/config'
import { createTestDatabase, testEnvironment, type TestDatabase } from '@printforge/devstack'
import type { OpenAPI3 } from 'openapi-typescript'

export interface InProcessApi {
  app: Awaited<ReturnType<typeof buildApp>>
  config: ApiConfig
  close(): Promise<void>
}

/**
 * A minimal valid configuration: every setting the document could depend on (size limits, page
 * sizes) keeps its default, so the document does not vary with the machine or the run. The secret
 * is random and never leaves this process.
 */
function minimalConfig(databaseUrl: string, env: Record<string, string> = {}): ApiConfig {
  const stack = testEnvironment()
  return loadConfig(ApiEnvSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    REDIS_URL: stack.redisUrl,
    S3_ENDPOINT: stack.s3.endpoint,
    S3_BUCKET: stack.s3.bucket,
    S3_ACCESS_KEY_ID: stack.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
    ALLOWED_ORIGINS: 'https://shop.example.com',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    PRINTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    // In-process, the API shares its event loop with whoever drives it: no load shedding
    // (apps/api's under-pressure.test.ts proves the shedding).
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  }, refineApiConfig)
}

/** The real API on a database of its own (cloned from the stack's migrated template). */
export async function startInProcessApi(env: Record<string, string> = {}): Promise<InProcessApi> {
  const database: TestDatabase = await createTestDatabase()
  const prefix = `pfc${randomBytes(4).toString('hex')}`
  try {
    const config = minimalConfig(database.appUrl, env)
    const app = await buildApp({ config, queuePrefix: prefix, redisKeyPrefix: `${prefix}:` })
    await app.ready()
    return {
      app,
      config,
      close: async () => {
        await app.close()
        await database.drop()
      },
    }
  } catch (err) {
    await database.drop()
    throw err
  }
}

/** The served document, as JSON (what a client fetching GET /docs/json receives). */
export async function servedDocument(): Promise<OpenAPI3> {
  const api = await startInProcessApi()
  try {
    return JSON.parse(JSON.stringify(api.app.swagger())) as OpenAPI3
  } finally {
    await api.close()
  }
}
