import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createTestDatabase, type TestDatabase } from '@printforge/devstack'
import pg from 'pg'
import { runCli } from './run-cli.ts'

let database: TestDatabase
const cli = (args: string[]) => runCli(args, { DATABASE_URL: database.appUrl })

/** Reads as printforge_app in the system context, as ops commands do. */
async function asSystem<T extends pg.QueryResultRow>(sql: string, params: string[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.appUrl })
  await client.connect()
  try {
    await client.query("SELECT set_config('app.role', 'system', false), set_config('app.actor_id', 'system', false)")
    return (await client.query<T>(sql, params)).rows
  } finally {
    await client.end()
  }
}

before(async () => {
  database = await createTestDatabase()
})
after(async () => {
  await database?.drop()
})

describe('npm run cli -- api-keys', () => {
  test('create prints the key once; the database keeps its SHA-256; list and revoke; audited as ops', async () => {
    const run = await cli(['api-keys', 'create', '--name', 'shop', '--scope', 'orders:write', '--scope', 'orders:read', '--expires', '2099-06-01', '--allow', '203.0.113.0/24'])
    assert.equal(run.code, 0, run.stderr)
    const key = /^(pf_([a-z2-7]{12})_[A-Za-z0-9_-]{43})$/m.exec(run.stdout)
    assert.ok(key, run.stdout)
    const [, full = '', id = ''] = key
    const [row] = await asSystem<{ key_hash: string; scopes: string[]; allowed_cidrs: string[]; expires_at: Date; created_by: string }>(
      'SELECT key_hash, scopes, allowed_cidrs, expires_at, created_by FROM api_keys WHERE id = $1', [id])
    assert.equal(row?.key_hash, createHash('sha256').update(full).digest('hex'))
    assert.deepEqual(row?.scopes, ['orders:write', 'orders:read'])
    assert.deepEqual(row?.allowed_cidrs, ['203.0.113.0/24'])
    assert.equal(row?.expires_at.toISOString(), '2099-06-01T00:00:00.000Z')
    assert.match(row?.created_by ?? '', /^ops:/)

    const list = await cli(['api-keys', 'list'])
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, new RegExp(`^${id}\\s+shop\\s+orders:write,orders:read .*active`, 'm'))
    assert.ok(!list.stdout.includes(full.slice(16)) && !list.stdout.includes(row?.key_hash ?? '-'), 'list shows neither key nor digest')

    const revoke = await cli(['api-keys', 'revoke', id])
    assert.equal(revoke.code, 0, revoke.stderr)
    assert.match(revoke.stdout, new RegExp(`Revoked API key ${id}`))
    assert.match((await cli(['api-keys', 'revoke', id])).stdout, /already revoked/)
    assert.match((await cli(['api-keys', 'list'])).stdout, new RegExp(`^${id}\\s.*revoked`, 'm'))

    const audits = await asSystem<{ action: string; actor_type: string; actor_id: string; details: { via?: string } }>(
      "SELECT action, actor_type, actor_id, details FROM audit_log WHERE target_id = $1 ORDER BY id", [id])
    assert.deepEqual(audits.map((a) => [a.action, a.actor_type, a.details.via]), [['api_key.created', 'system', 'cli'], ['api_key.revoked', 'system', 'cli']])
    assert.ok(audits.every((a) => a.actor_id.startsWith('ops:')))
    assert.ok(!JSON.stringify(audits).includes(full.slice(16)))
  })

  test('bad arguments exit 2 and create nothing', async () => {
    const [{ n: before = '0' } = {}] = await asSystem<{ n: string }>('SELECT count(*)::text AS n FROM api_keys')
    for (const args of [
      ['api-keys'],
      ['api-keys', 'create', '--scope', 'jobs:read'],
      ['api-keys', 'create', '--name', 'x'],
      ['api-keys', 'create', '--name', 'x', '--scope', 'admin'],
      ['api-keys', 'create', '--name', 'x', '--scope', 'jobs:read', '--expires', 'soon'],
      ['api-keys', 'create', '--name', 'x', '--scope', 'jobs:read', '--expires', '2001-01-01'],
      ['api-keys', 'create', '--name', 'x', '--scope', 'jobs:read', '--allow', '10.0.0.1/8'],
      ['api-keys', 'create', '--name', 'x', '--scope', 'jobs:read', '--everything'],
      ['api-keys', 'revoke'],
      ['api-keys', 'revoke', "x'; DROP TABLE api_keys;--"],
      ['api-keys', 'list', 'extra'],
    ]) {
      const run = await cli(args)
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout} ${run.stderr}`)
    }
    const [{ n: after = '0' } = {}] = await asSystem<{ n: string }>('SELECT count(*)::text AS n FROM api_keys')
    assert.equal(after, before)
    const unknown = await cli(['api-keys', 'revoke', 'abcdefghijkl'])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /not found/)
  })
})
