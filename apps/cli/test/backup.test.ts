import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { RLS_TABLES } from '@printforge/db'
import { provisionDatabase, roleUrl } from '@printforge/devstack'
import pg from 'pg'
import { PG15_BIN, startDebianPostgres, type DebianPostgres } from './debian-postgres.ts'
import { runCli } from './run-cli.ts'

let server: DebianPostgres
let outDir: string
const roles = { ownerPassword: randomBytes(24).toString('hex'), appPassword: randomBytes(24).toString('hex'), readonlyPassword: randomBytes(24).toString('hex') }
const printerKeys = `k1:${randomBytes(32).toString('base64')}`
const url = (role: 'owner' | 'app' | 'readonly', db: string) => roleUrl(`printforge_${role}`, roles[`${role}Password`], server.port, db)
const cli = (db: string, args: string[]) =>
  runCli(args, { DATABASE_URL: url('app', db), DATABASE_ADMIN_URL: url('owner', db), PG_BIN_DIR: PG15_BIN, PRINTER_KEYS: printerKeys, NODE_ENV: 'test' })

async function query<T extends pg.QueryResultRow>(connection: string, sql: string, system = true): Promise<T[]> {
  const client = new pg.Client({ connectionString: connection })
  await client.connect()
  try {
    if (system) await client.query("SELECT set_config('app.role', 'system', false), set_config('app.actor_id', 'system', false)")
    return (await client.query<T>(sql)).rows
  } finally {
    await client.end()
  }
}
const auditRows = (db: string) => query<{ id: string; action: string; hash: string; at: Date }>(url('app', db), 'SELECT id::text, action, hash, at FROM audit_log ORDER BY id')
const publicRelations = async (db: string) => (await query<{ n: number }>(url('owner', db), "SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace", false))[0]?.n
const dumps = async () => (await readdir(outDir)).filter((f) => f.endsWith('.dump')).sort()

before(async () => {
  server = await startDebianPostgres()
  outDir = await mkdtemp(path.join(os.tmpdir(), 'pf-backups-'))
  for (const db of ['pf_source', 'pf_restored', 'pf_tampered']) await provisionDatabase(server.superuserUrl(), db, roles)
  const migrated = await cli('pf_source', ['migrate'])
  assert.equal(migrated.code, 0, migrated.stderr)
  // Data of several kinds, each with its audit row; a scan job so the quota trigger has counted.
  for (const args of [['staff', 'grant', 'user_01BACKUP', 'admin'], ['tokens', 'revoke', '--customer', 'cus_01BACKUP'],
    ['printers', 'add', '--name', 'Backup P1S', '--model', 'P1S', '--serial', '01P00A000000123', '--host', '10.0.0.9', '--access-code', 'Secret42']]) {
    const run = await cli('pf_source', args)
    assert.equal(run.code, 0, run.stderr)
  }
  await query(url('app', 'pf_source'), "INSERT INTO scan_jobs (id, customer_id, title, image_count, updated_at) VALUES (gen_random_uuid(), 'cus_01BACKUP', 'Backup test', 1, now())")
}, { timeout: 120_000 })

after(async () => {
  await server?.stop()
  if (outDir) await rm(outDir, { recursive: true, force: true })
})

describe('npm run cli -- backup (Debian PostgreSQL 15)', () => {
  test('create: verifies the chain, writes a 0600 dump and manifest, audits backup.created, never prints a password', async () => {
    const run = await cli('pf_source', ['backup', 'create', '--out', outDir])
    assert.equal(run.code, 0, run.stdout + run.stderr)
    assert.match(run.stdout, /Audit chain verified: 3 row\(s\)/)
    for (const secret of Object.values(roles)) assert.ok(!(run.stdout + run.stderr).includes(secret), 'no password in the output')
    const [dump] = await dumps()
    assert.ok(dump, 'a dump')
    const manifestFile = path.join(outDir, dump.replace(/\.dump$/, '.json'))
    for (const file of [path.join(outDir, dump), manifestFile]) assert.equal((await stat(file)).mode & 0o777, 0o600)
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'))
    assert.equal(manifest.auditVerify.ok, true)
    assert.equal(manifest.auditHead.lastId, '3')
    assert.match(manifest.serverVersion, /^15\./)
    assert.deepEqual([manifest.rowCounts.staff, manifest.rowCounts.printers, manifest.rowCounts.scan_jobs, manifest.rowCounts.quota_usage], [1, 1, 1, 1])
    assert.ok(!JSON.stringify(manifest).includes(roles.ownerPassword))
    const audit = await auditRows('pf_source')
    assert.equal(audit.at(-1)?.action, 'backup.created', 'written after the dump: the dump ends at the verified head')
  })

  test('restore into an empty database: same rows, chain verifies, RLS forced, grants intact, triggers did not fire', async () => {
    const [dump] = await dumps()
    const run = await cli('pf_restored', ['backup', 'restore', path.join(outDir, dump as string)])
    assert.equal(run.code, 0, run.stdout + run.stderr)
    assert.match(run.stdout, /audit chain verified \(3 row\(s\), head #3\)/)
    // Rows kept their ids, times and hashes (the chain trigger would have re-stamped them); the
    // restore appended backup.restored after the dumped head.
    const source = (await auditRows('pf_source')).slice(0, 3)
    const restored = await auditRows('pf_restored')
    assert.deepEqual(restored.slice(0, 3), source)
    assert.deepEqual(restored.slice(3).map((r) => r.action), ['backup.restored'])
    assert.equal((await cli('pf_restored', ['audit', 'verify'])).code, 0)
    // The quota trigger did not count the restored scan job a second time.
    assert.deepEqual(await query(url('app', 'pf_restored'), 'SELECT jobs_created FROM quota_usage'), [{ jobs_created: 1 }])

    const unforced = await query<{ relname: string }>(url('owner', 'pf_restored'),
      `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname = ANY('{${RLS_TABLES.join(',')}}') AND NOT (relrowsecurity AND relforcerowsecurity)`, false)
    assert.deepEqual(unforced, [])
    await assert.rejects(query(url('app', 'pf_restored'), "UPDATE audit_log SET action = 'x.y'"), /permission denied/)
    await assert.rejects(query(url('app', 'pf_restored'), 'DELETE FROM audit_log'), /permission denied/)
    await assert.rejects(query(url('readonly', 'pf_restored'), 'SELECT details FROM audit_log', false), /permission denied/)
    // A customer context still sees only its own rows.
    const client = new pg.Client({ connectionString: url('app', 'pf_restored') })
    await client.connect()
    await client.query("SELECT set_config('app.role', 'customer', false), set_config('app.actor_id', 'cus_OTHER', false)")
    assert.equal((await client.query('SELECT * FROM scan_jobs')).rowCount, 0)
    await client.end()

    // The restored database is a working one: migrations up to date, writes chain on.
    assert.match((await cli('pf_restored', ['migrate'])).stdout, /up to date/)
    assert.equal((await cli('pf_restored', ['staff', 'grant', 'user_02AFTER', 'operator'])).code, 0)
    assert.equal((await cli('pf_restored', ['audit', 'verify'])).code, 0)
  })

  test('restore into a database that is not empty is refused and changes nothing', async () => {
    const [dump] = await dumps()
    const before = await auditRows('pf_restored')
    const run = await cli('pf_restored', ['backup', 'restore', path.join(outDir, dump as string)])
    assert.equal(run.code, 1)
    assert.match(run.stdout, /Refusing: database pf_restored is not empty/)
    assert.deepEqual(await auditRows('pf_restored'), before)
  })

  test('a dump that does not match its manifest is refused before the database is touched', async () => {
    const [dump] = await dumps()
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pf-tampered-'))
    try {
      const tampered = path.join(dir, 'tampered.dump')
      const bytes = await readFile(path.join(outDir, dump as string))
      bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 0xff
      await writeFile(tampered, bytes)
      await copyFile(path.join(outDir, (dump as string).replace(/\.dump$/, '.json')), path.join(dir, 'tampered.json'))
      const run = await cli('pf_tampered', ['backup', 'restore', tampered])
      assert.equal(run.code, 1)
      assert.match(run.stdout, /Refusing: the dump's SHA-256 is/)
      assert.equal(await publicRelations('pf_tampered'), 0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('a broken chain refuses create, naming the row; --allow-broken keeps the evidence', async () => {
    await query(url('owner', 'pf_source'), `BEGIN;
      ALTER TABLE audit_log DISABLE TRIGGER USER;
      ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
      UPDATE audit_log SET details = '{"forged": true}' WHERE id = 2;
      ALTER TABLE audit_log ENABLE TRIGGER USER;
      ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
      COMMIT;`, false)
    const before = await dumps()
    const refused = await cli('pf_source', ['backup', 'create', '--out', outDir])
    assert.equal(refused.code, 1)
    assert.match(refused.stdout, /BROKEN at row id 2\b/)
    assert.deepEqual(await dumps(), before, 'no dump written')
    await new Promise((r) => setTimeout(r, 1_100)) // a new second: a new file name
    const allowed = await cli('pf_source', ['backup', 'create', '--out', outDir, '--allow-broken'])
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr)
    const newest = (await dumps()).at(-1) as string
    const manifest = JSON.parse(await readFile(path.join(outDir, newest.replace(/\.dump$/, '.json')), 'utf8'))
    assert.deepEqual([manifest.auditVerify.ok, manifest.auditVerify.firstBrokenId], [false, '2'])
  })
})
