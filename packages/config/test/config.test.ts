import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parseEnv } from 'node:util'
import { Type } from 'typebox'
import { ApiEnvSchema, CliEnvSchema, ConfigError, ENV_EXAMPLE_SECRETS, loadConfig, refineApiConfig, Secret, WorkerEnvSchema } from '../src/index.ts'

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

describe('configuration secrets (docs/product.md §8)', () => {
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

  test('load shedding: production limits by default; a limit that would shed always or never is refused', () => {
    const api = {
      DATABASE_URL: url(strong), REDIS_URL: `redis://:${strong}@127.0.0.1:6379`, S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'printforge',
      S3_ACCESS_KEY_ID: 'printforge-key', S3_SECRET_ACCESS_KEY: strong, PRINTER_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      ALLOWED_ORIGINS: 'https://shop.example.com', JWT_SECRET: strong,
    }
    const config = loadConfig(ApiEnvSchema, api, refineApiConfig)
    assert.equal(config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS, 1_000)
    assert.equal(config.PRESSURE_MAX_HEAP_USED_BYTES, 512 * 1024 ** 2)
    assert.equal(loadConfig(ApiEnvSchema, { ...api, PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '250' }, refineApiConfig).PRESSURE_MAX_EVENT_LOOP_DELAY_MS, 250)
    assert.equal(loadConfig(ApiEnvSchema, { ...api, PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' }, refineApiConfig).PRESSURE_MAX_EVENT_LOOP_DELAY_MS, 0, '0 turns the check off')
    for (const [name, bad] of [['PRESSURE_MAX_EVENT_LOOP_DELAY_MS', '5'], ['PRESSURE_MAX_EVENT_LOOP_DELAY_MS', '-1'], ['PRESSURE_MAX_EVENT_LOOP_DELAY_MS', '1e9'], ['PRESSURE_MAX_HEAP_USED_BYTES', '1024'], ['PRESSURE_MAX_HEAP_USED_BYTES', 'lots']] as const) {
      assert.ok(name in problemsOf(() => loadConfig(ApiEnvSchema, { ...api, [name]: bad }, refineApiConfig)), `${name}=${bad}`)
    }
  })

  test('WORKER_QUEUES lists known queues only; the default consumes all four', () => {
    const worker = {
      DATABASE_URL: url(strong), REDIS_URL: `redis://:${strong}@127.0.0.1:6379`, S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'printforge',
      S3_ACCESS_KEY_ID: 'printforge-key', S3_SECRET_ACCESS_KEY: strong, PRINTER_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    }
    assert.equal(loadConfig(WorkerEnvSchema, worker).WORKER_QUEUES, 'scans,prints,maintenance,webhooks')
    assert.equal(loadConfig(WorkerEnvSchema, { ...worker, WORKER_QUEUES: 'scans' }).WORKER_QUEUES, 'scans')
    for (const bad of ['scan', 'scans,', 'scans, prints', 'scans,emails']) {
      assert.ok('WORKER_QUEUES' in problemsOf(() => loadConfig(WorkerEnvSchema, { ...worker, WORKER_QUEUES: bad })), bad)
    }
  })

  test('SCAN_SANITIZE is lossless unless set to reencode', () => {
    const worker = {
      DATABASE_URL: url(strong), REDIS_URL: `redis://:${strong}@127.0.0.1:6379`, S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'printforge',
      S3_ACCESS_KEY_ID: 'printforge-key', S3_SECRET_ACCESS_KEY: strong, PRINTER_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    }
    assert.equal(loadConfig(WorkerEnvSchema, worker).SCAN_SANITIZE, 'lossless')
    assert.equal(loadConfig(WorkerEnvSchema, { ...worker, SCAN_SANITIZE: 'reencode' }).SCAN_SANITIZE, 'reencode')
    assert.ok('SCAN_SANITIZE' in problemsOf(() => loadConfig(WorkerEnvSchema, { ...worker, SCAN_SANITIZE: 'strip' })))
  })
})

describe('secrets from files: NAME_FILE (compose secrets)', () => {
  let dir: string
  let n = 0
  /** Writes `content` to a fresh file in the temp dir and returns its path. */
  const file = async (content: string) => {
    const full = path.join(dir, `secret-${++n}`)
    await writeFile(full, content)
    return full
  }
  const key = (fill: number) => Buffer.alloc(32, fill).toString('base64')
  const worker = {
    DATABASE_URL: url(strong), REDIS_URL: `redis://:${strong}@127.0.0.1:6379`, S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'printforge',
    S3_ACCESS_KEY_ID: 'printforge-key', S3_SECRET_ACCESS_KEY: strong, PRINTER_KEYS: `k1:${key(7)}`,
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'printforge-config-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('a valid file works for every secret kind (value, url-password, key-list), trimmed', async () => {
    const password = 'p'.repeat(40)
    const config = loadConfig(WorkerEnvSchema, {
      ...worker,
      DATABASE_URL: undefined, DATABASE_URL_FILE: await file(`${url(password)}\n`),
      REDIS_URL: '', REDIS_URL_FILE: await file(`  redis://:${password}@redis:6379 \r\n`),
      S3_SECRET_ACCESS_KEY: undefined, S3_SECRET_ACCESS_KEY_FILE: await file(`${'s'.repeat(43)}\n`),
      PRINTER_KEYS: undefined, PRINTER_KEYS_FILE: await file(`k2:${key(2)},k1:${key(1)}\n`),
    })
    assert.equal(config.DATABASE_URL, url(password))
    assert.equal(config.REDIS_URL, `redis://:${password}@redis:6379`)
    assert.equal(config.S3_SECRET_ACCESS_KEY, 's'.repeat(43))
    assert.equal(config.PRINTER_KEYS, `k2:${key(2)},k1:${key(1)}`)
    assert.ok(!('DATABASE_URL_FILE' in config), 'only the schema’s variables are in the config')

    const api = loadConfig(ApiEnvSchema, {
      ...worker, ALLOWED_ORIGINS: 'https://shop.example.com', JWT_SECRET_FILE: await file('j'.repeat(40)),
    }, refineApiConfig)
    assert.equal(api.JWT_SECRET, 'j'.repeat(40))
    const cli = loadConfig(CliEnvSchema, { DATABASE_URL: url(strong), DATABASE_ADMIN_URL_FILE: await file(url(password)) })
    assert.equal(cli.DATABASE_ADMIN_URL, url(password))
  })

  test('NAME and NAME_FILE both set is an error naming both', async () => {
    const run = () => loadConfig(CliEnvSchema, { DATABASE_URL: url(strong), DATABASE_URL_FILE: path.join(dir, 'unused') })
    assert.equal(problemsOf(run).DATABASE_URL, 'and DATABASE_URL_FILE are both set; set only one')
    assert.deepEqual(Object.keys(problemsOf(run)), ['DATABASE_URL'], 'no second, derived problem')
  })

  test('a missing, empty, multi-line or non-regular file is an error naming NAME_FILE and the path, never the content', async () => {
    const missing = path.join(dir, 'does-not-exist')
    const problems = (filePath: string) => problemsOf(() => loadConfig(CliEnvSchema, { DATABASE_URL_FILE: filePath }))
    assert.deepEqual(problems(missing), { DATABASE_URL_FILE: `names a file that cannot be read: ${JSON.stringify(missing)} (ENOENT)` })
    const empty = await file(' \n')
    assert.deepEqual(problems(empty), { DATABASE_URL_FILE: `names an empty file: ${JSON.stringify(empty)}` })
    const twoLines = await file(`${url(strong)}\n${url('q'.repeat(40))}\n`)
    const multi = problems(twoLines)
    assert.match(multi.DATABASE_URL_FILE ?? '', /more than one line/)
    assert.ok(multi.DATABASE_URL_FILE?.includes(twoLines))
    assert.doesNotMatch(JSON.stringify(multi), /x{40}|q{40}/, 'the content is never echoed')
    assert.match(problems(dir).DATABASE_URL_FILE ?? '', /not a regular file/)
  })

  test('a weak value in a file gets the same error as in the environment, naming the variable', async () => {
    const Schema = Type.Object({ JWT_SECRET: Secret(), DATABASE_URL: Secret('url-password'), PRINTER_KEYS: Secret('key-list') })
    const weak = {
      JWT_SECRET: 'y'.repeat(31),
      DATABASE_URL: ENV_EXAMPLE_SECRETS['DATABASE_URL']?.[0] ?? '',
      PRINTER_KEYS: `k1:${Buffer.alloc(16, 1).toString('base64')}`,
    }
    const fromEnv = problemsOf(() => loadConfig(Schema, weak))
    const files = Object.fromEntries(await Promise.all(Object.entries(weak).map(async ([name, value]) => [`${name}_FILE`, await file(`${value}\n`)])))
    const fromFile = problemsOf(() => loadConfig(Schema, files))
    assert.deepEqual(Object.keys(fromFile).sort(), ['DATABASE_URL', 'JWT_SECRET', 'PRINTER_KEYS'])
    for (const [name, problem] of Object.entries(fromEnv)) assert.equal(fromFile[name], `${problem} (read from ${name}_FILE)`)
    assert.match(fromFile.DATABASE_URL ?? '', /placeholder/)
    assert.throws(() => loadConfig(Schema, files), (err: Error) => !/y{31}|change-me/.test(err.message), 'the secret itself is never in the message')
  })

  test('only secrets (and opted-in identifiers) have a _FILE form: any other NAME_FILE is refused', async () => {
    const problems = problemsOf(() => loadConfig(CliEnvSchema, { DATABASE_URL: url(strong), DATABASE_POOL_MAX_FILE: path.join(dir, 'pool') }))
    assert.deepEqual(problems, { DATABASE_POOL_MAX_FILE: 'is not supported: only secrets are read from files; set DATABASE_POOL_MAX instead' })
    // The S3 access key id is no secret (no strength rule) but may sit in a file next to its secret key.
    const s3 = loadConfig(WorkerEnvSchema, { ...worker, S3_ACCESS_KEY_ID: undefined, S3_ACCESS_KEY_ID_FILE: await file('minio-key-id\n') })
    assert.equal(s3.S3_ACCESS_KEY_ID, 'minio-key-id')
    // Unrelated *_FILE variables of the process are none of the schema's business.
    assert.doesNotThrow(() => loadConfig(CliEnvSchema, { DATABASE_URL: url(strong), HISTFILE_FILE: '/nope', S3_BUCKET_FILE: '/nope' }))
  })
})
