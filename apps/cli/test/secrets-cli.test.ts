import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ApiEnvSchema, loadConfig, refineApiConfig, WorkerEnvSchema } from '@printforge/config'
import { parsePrinterKeys } from '@printforge/printer-keys'
import { runCli } from './run-cli.ts'

// The compose file's contract: these names, no more, no fewer.
const PASSWORDS = ['postgres_superuser_password', 'postgres_owner_password', 'postgres_app_password', 'postgres_readonly_password', 'redis_password', 'jwt_secret', 's3_access_key_id', 's3_secret_access_key', 'metrics_token']
const URLS = ['database_url', 'database_admin_url', 'redis_url']
const NAMES = [...PASSWORDS, 'printer_keys', ...URLS].sort()

let tmp: string
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'printforge-secrets-'))
})
after(async () => {
  await rm(tmp, { recursive: true, force: true })
})

const mode = async (file: string) => (await stat(file)).mode & 0o777
async function contents(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).sort()
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await readFile(path.join(dir, name), 'utf8')])))
}

describe('npm run cli -- secrets init', () => {
  test('writes every deployment secret, each a new 0600 file with distinct random content of its shape, into a new 0700 directory', async () => {
    const dir = path.join(tmp, 'fresh', 'secrets')
    const run = await runCli(['secrets', 'init', dir], {}) // nothing but PATH: no settings at all
    assert.equal(run.code, 0, run.stderr)
    assert.equal(await mode(dir), 0o700)
    const files = await contents(dir)
    assert.deepEqual(Object.keys(files), NAMES)
    for (const name of NAMES) {
      assert.equal(await mode(path.join(dir, name)), 0o600, name)
      assert.match(run.stdout, new RegExp(`wrote .*${name}\\b`))
    }
    for (const name of PASSWORDS) assert.match(files[name] ?? '', /^[0-9a-f]{64}$/, `${name}: 32 random bytes, hex (URL-safe)`)
    assert.match(files['printer_keys'] ?? '', /^k1:[A-Za-z0-9+/]{43}=$/)
    assert.equal(parsePrinterKeys(files['printer_keys'] ?? '').keys.get('k1')?.length, 32)
    assert.equal(new Set(Object.values(files)).size, NAMES.length, 'every secret is its own')
    assert.equal(files['database_url'], `postgresql://printforge_app:${files['postgres_app_password']}@postgres:5432/printforge`)
    assert.equal(files['database_admin_url'], `postgresql://printforge_owner:${files['postgres_owner_password']}@postgres:5432/printforge`)
    assert.equal(files['redis_url'], `redis://:${files['redis_password']}@redis:6379`)
    for (const value of Object.values(files)) assert.ok(!(run.stdout + run.stderr).includes(value), 'contents are never printed')

    // What the deployment does with them: every one read as *_FILE.
    const file = (name: string) => path.join(dir, name)
    const env = {
      DATABASE_URL_FILE: file('database_url'),
      REDIS_URL_FILE: file('redis_url'),
      S3_ENDPOINT: 'http://minio:9000', S3_BUCKET: 'printforge',
      S3_ACCESS_KEY_ID_FILE: file('s3_access_key_id'), S3_SECRET_ACCESS_KEY_FILE: file('s3_secret_access_key'), PRINTER_KEYS_FILE: file('printer_keys'),
      METRICS_TOKEN_FILE: file('metrics_token'),
    }
    const worker = loadConfig(WorkerEnvSchema, env)
    assert.equal(worker.PRINTER_KEYS, files['printer_keys'])
    assert.equal(worker.METRICS_TOKEN, files['metrics_token'])
    const api = loadConfig(ApiEnvSchema, { ...env, ALLOWED_ORIGINS: 'https://shop.example.com', JWT_SECRET_FILE: file('jwt_secret') }, refineApiConfig)
    assert.equal(api.JWT_SECRET, files['jwt_secret'])
    assert.equal(api.METRICS_TOKEN, files['metrics_token'])
  })

  test('a second run refuses, naming what exists, and writes nothing at all, not even the missing files', async () => {
    const dir = path.join(tmp, 'again')
    assert.equal((await runCli(['secrets', 'init', dir], {})).code, 0)
    await unlink(path.join(dir, 'jwt_secret'))
    await writeFile(path.join(dir, 'unrelated'), 'kept')
    const before = await contents(dir)
    const again = await runCli(['secrets', 'init', dir], {})
    assert.notEqual(again.code, 0)
    assert.match(again.stderr, /refusing to overwrite .*postgres_app_password/)
    assert.doesNotMatch(again.stderr, /jwt_secret/)
    assert.equal(again.stdout, '')
    assert.deepEqual(await contents(dir), before, 'nothing changed, jwt_secret still missing')
    for (const name of NAMES) assert.ok(!again.stderr.includes(before[name] ?? name), `${name}'s content is never printed`)
  })

  test('needs no settings: a broken environment is not even read; bad arguments exit 2', async () => {
    const run = await runCli(['secrets', 'init', path.join(tmp, 'broken-env')], { DATABASE_URL: 'postgresql://x:short@127.0.0.1/x', NODE_ENV: 'nonsense' })
    assert.equal(run.code, 0, run.stderr)
    for (const args of [['secrets'], ['secrets', 'init'], ['secrets', 'rotate', tmp], ['secrets', 'init', tmp, 'extra']]) {
      const bad = await runCli(args, {})
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`)
      assert.match(bad.stderr, /secrets: expected init <dir>/)
    }
    const notDir = path.join(tmp, 'a-file')
    await writeFile(notDir, '')
    const onFile = await runCli(['secrets', 'init', notDir], {})
    assert.equal(onFile.code, 1)
    assert.match(onFile.stderr, /is not a directory/)
  })
})
