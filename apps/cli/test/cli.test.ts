import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestDatabase, type TestDatabase } from '@printforge/devstack'
import pg from 'pg'
import { runCli } from './run-cli.ts'

let database: TestDatabase

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { DATABASE_URL: database.appUrl, DATABASE_ADMIN_URL: database.ownerUrl, ...env })

async function owner<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: database.ownerUrl })
  await client.connect()
  try {
    return await fn(client)
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

describe('npm run cli', () => {
  test('migrate is idempotent; migrate diff reports no drift', async () => {
    const run = await cli(['migrate'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /up to date/)
    const diff = await cli(['migrate', 'diff'])
    assert.equal(diff.code, 0, diff.stderr)
  })

  test('staff grant and revoke change the staff table and write staff.changed audit rows', async () => {
    assert.equal((await cli(['staff', 'grant', 'user_01ABC', 'admin'])).code, 0)
    assert.equal((await cli(['staff', 'grant', 'user_01ABC', 'operator'])).code, 0)
    const revoked = await cli(['staff', 'revoke', 'user_01ABC'])
    assert.equal(revoked.code, 0)
    assert.match(revoked.stdout, /Revoked operator/)
    const rows = await owner(async (c) => {
      await c.query('BEGIN')
      await c.query('ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY') // the owner reads, then rolls back
      const r = await c.query("SELECT details FROM audit_log WHERE action = 'staff.changed' AND target_id = 'user_01ABC' ORDER BY id")
      await c.query('ROLLBACK')
      return r.rows.map((row) => row.details)
    })
    assert.deepEqual(rows.map((d) => [d.from, d.to]), [[null, 'admin'], ['admin', 'operator'], ['operator', null]])
  })

  test('staff grant replaces the person\'s printer-group roles (docs/product.md §5.4), named in the audit row', async () => {
    const groupId = await owner(async (c) => {
      await c.query('BEGIN')
      for (const t of ['printer_groups', 'staff_group_roles']) await c.query(`ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY`)
      const { rows } = await c.query("INSERT INTO printer_groups (id, name, created_by, updated_at) VALUES (gen_random_uuid(), 'cli room', 'test', now()) RETURNING id")
      await c.query("INSERT INTO staff_group_roles (user_id, group_id, role, granted_by, updated_at) VALUES ('user_02GRP', $1, 'operator', 'test', now())", [rows[0].id])
      for (const t of ['printer_groups', 'staff_group_roles']) await c.query(`ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`)
      await c.query('COMMIT')
      return rows[0].id as string
    })
    assert.equal((await cli(['staff', 'grant', 'user_02GRP', 'operator'])).code, 0)
    const [left, details] = await owner(async (c) => {
      await c.query('BEGIN')
      for (const t of ['audit_log', 'staff_group_roles']) await c.query(`ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY`)
      const roles = await c.query("SELECT count(*)::int AS n FROM staff_group_roles WHERE user_id = 'user_02GRP'")
      const audit = await c.query("SELECT details FROM audit_log WHERE action = 'staff.changed' AND target_id = 'user_02GRP' ORDER BY id DESC LIMIT 1")
      await c.query('ROLLBACK')
      return [roles.rows[0].n, audit.rows[0]?.details] as const
    })
    assert.equal(left, 0)
    assert.deepEqual(details.groupRolesRemoved, [{ groupId, role: 'operator' }])
  })

  test('bad arguments exit 2 with usage and change nothing', async () => {
    const bad = await cli(['staff', 'grant', 'user_X', 'superadmin'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /role must be one of operator, admin/)
    assert.equal((await cli(['staff', 'grant', "x'; DROP TABLE staff;--", 'admin'])).code, 2)
    assert.equal((await cli(['frobnicate'])).code, 2)
  })

  test('a missing, short or example secret stops the process, naming the variable', async () => {
    const missing = await cli(['audit', 'verify'], { DATABASE_URL: '' })
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /DATABASE_URL is required/)
    const short = await cli(['audit', 'verify'], { DATABASE_URL: 'postgresql://printforge_app:abc@127.0.0.1:1/x' })
    assert.notEqual(short.code, 0)
    assert.match(short.stderr, /DATABASE_URL is shorter than 32 bytes/)
    const example = await cli(['audit', 'verify'], {
      DATABASE_URL: 'postgresql://printforge_app:change-me-app-password-32-bytes-min@127.0.0.1:5432/printforge',
    })
    assert.notEqual(example.code, 0)
    assert.match(example.stderr, /DATABASE_URL is the placeholder from .env.example/)
    assert.doesNotMatch(example.stderr, /change-me-app-password/, 'the secret itself is never printed')
  })

  test('audit verify: exit 0 while the chain holds; names the row an owner tampered with', async () => {
    const ok = await cli(['audit', 'verify'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /verified: \d+ row/)

    // A malicious owner: switch the triggers off, lift FORCE RLS, and rewrite one row's details.
    await owner((c) =>
      c.query(`BEGIN;
        ALTER TABLE audit_log DISABLE TRIGGER USER;
        ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
        UPDATE audit_log SET details = '{"from": null, "to": "operator", "via": "cli"}' WHERE id = 1;
        ALTER TABLE audit_log ENABLE TRIGGER USER;
        ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
        COMMIT;`),
    )
    const broken = await cli(['audit', 'verify'])
    assert.equal(broken.code, 1)
    assert.match(broken.stdout, /BROKEN at row id 1\b/)
  })
})
