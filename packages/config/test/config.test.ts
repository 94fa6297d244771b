import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, test } from 'node:test'
import { parseEnv } from 'node:util'
import { Type } from 'typebox'
import { CliEnvSchema, ConfigError, ENV_EXAMPLE_SECRETS, loadConfig, Secret, WorkerEnvSchema } from '../src/index.ts'

const strong = 'x'.repeat(40)
const url = (password: string) => `postgresql://printforge_app:${password}@127.0.0.1:5432/printforge`
const exampleFile = new URL('../../../.env.example', import.meta.url)

function problemsOf(fn: () => unknown): Record<string, string> {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err))
    return Object.fromEntries(err.problems.map((p) => [p.variable, p.problem]))
  }
  assert.fail('expected a ConfigError')
}

describe('configuration secrets (PRODUCT §8)', () => {
  test('a valid environment loads, with defaults filled in and frozen', () => {
    const config = loadConfig(CliEnvSchema, { DATABASE_URL: url(strong) })
    assert.equal(config.NODE_ENV, 'production')
    assert.equal(config.DATABASE_POOL_MAX, 10)
    assert.ok(Object.isFrozen(config))
  })

  test('a missing secret is named', () => {
    assert.match(problemsOf(() => loadConfig(CliEnvSchema, {})).DATABASE_URL ?? '', /required/)
    assert.match(problemsOf(() => loadConfig(CliEnvSchema, { DATABASE_URL: '  ' })).DATABASE_URL ?? '', /required/)
  })

  test('a secret shorter than 32 bytes is named (URL passwords included)', () => {
    assert.match(problemsOf(() => loadConfig(CliEnvSchema, { DATABASE_URL: url('short') })).DATABASE_URL ?? '', /shorter than 32 bytes/)
    assert.match(problemsOf(() => loadConfig(CliEnvSchema, { DATABASE_URL: 'postgresql://app@127.0.0.1/db' })).DATABASE_URL ?? '', /no password/)
    const Jwt = Type.Object({ JWT_SECRET: Secret() })
    assert.match(problemsOf(() => loadConfig(Jwt, { JWT_SECRET: 'y'.repeat(31) })).JWT_SECRET ?? '', /shorter than 32 bytes/)
    assert.doesNotThrow(() => loadConfig(Jwt, { JWT_SECRET: 'y'.repeat(32) }))
  })

  test('every secret placeholder of .env.example is refused, naming its variable', async () => {
    const example = parseEnv(await readFile(exampleFile, 'utf8')) as Record<string, string>
    const schema = Type.Object({
      DATABASE_URL: Secret('url-password'),
      DATABASE_ADMIN_URL: Secret('url-password'),
      REDIS_URL: Secret('url-password'),
      S3_SECRET_ACCESS_KEY: Secret(),
      JWT_SECRET: Secret(),
      PRINTER_KEYS: Secret('key-list'),
    })
    const problems = problemsOf(() => loadConfig(schema, example))
    assert.deepEqual(Object.keys(problems).sort(), Object.keys(schema.properties).sort())
    for (const problem of Object.values(problems)) assert.match(problem, /placeholder/)
  })

  test('the built-in placeholder list matches .env.example exactly', async () => {
    const example = parseEnv(await readFile(exampleFile, 'utf8')) as Record<string, string>
    for (const [name, values] of Object.entries(ENV_EXAMPLE_SECRETS)) {
      assert.deepEqual(values, [example[name]], `${name} in .env.example`)
    }
  })

  test('a placeholder is refused even when padded past 32 bytes', () => {
    const Jwt = Type.Object({ JWT_SECRET: Secret() })
    assert.match(problemsOf(() => loadConfig(Jwt, { JWT_SECRET: 'please-change-me-before-going-live-ok' })).JWT_SECRET ?? '', /placeholder/)
  })

  test('key lists: every key must be 32 bytes', () => {
    const Keys = Type.Object({ PRINTER_KEYS: Secret('key-list') })
    const key = Buffer.alloc(32, 7).toString('base64')
    assert.doesNotThrow(() => loadConfig(Keys, { PRINTER_KEYS: `k2:${key},k1:${key}` }))
    assert.match(problemsOf(() => loadConfig(Keys, { PRINTER_KEYS: `k2:${key},k1:${Buffer.alloc(16).toString('base64')}` })).PRINTER_KEYS ?? '', /shorter/)
    assert.match(problemsOf(() => loadConfig(Keys, { PRINTER_KEYS: key })).PRINTER_KEYS ?? '', /id:base64key/)
  })

  test('non-secret values are validated and named too', () => {
    assert.match(problemsOf(() => loadConfig(CliEnvSchema, { DATABASE_URL: url(strong), DATABASE_POOL_MAX: '0' })).DATABASE_POOL_MAX ?? '', /./)
    assert.ok('NODE_ENV' in problemsOf(() => loadConfig(CliEnvSchema, { DATABASE_URL: url(strong), NODE_ENV: 'prod' })))
  })

  test('WORKER_QUEUES lists known queues only; the default consumes all three', () => {
    const worker = {
      DATABASE_URL: url(strong), REDIS_URL: `redis://:${strong}@127.0.0.1:6379`, S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'printforge',
      S3_ACCESS_KEY_ID: 'printforge-key', S3_SECRET_ACCESS_KEY: strong, PRINTER_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    }
    assert.equal(loadConfig(WorkerEnvSchema, worker).WORKER_QUEUES, 'scans,prints,maintenance')
    assert.equal(loadConfig(WorkerEnvSchema, { ...worker, WORKER_QUEUES: 'scans' }).WORKER_QUEUES, 'scans')
    for (const bad of ['scan', 'scans,', 'scans, prints', 'scans,emails']) {
      assert.ok('WORKER_QUEUES' in problemsOf(() => loadConfig(WorkerEnvSchema, { ...worker, WORKER_QUEUES: bad })), bad)
    }
  })
})
