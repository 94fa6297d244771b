import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import pg from 'pg'
import { assertSafeAppRole, createPrismaClient } from '../src/index.ts'
import { asOwner, useDatabase } from './helpers.ts'

const fx = useDatabase()

async function check(url: string) {
  const db = createPrismaClient({ url, poolMax: 1 })
  try {
    return await assertSafeAppRole(db)
  } finally {
    await db.$disconnect()
  }
}

describe('startup check of the app role (docs/product.md §5.1)', () => {
  test('printforge_app passes: not owner, no BYPASSRLS, not superuser, append-only audit', async () => {
    assert.equal(await check(fx.database.appUrl), 'printforge_app')
    const { rows } = await fx.owner.query("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'printforge_app'")
    assert.deepEqual(rows[0], { rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false })
  })

  for (const privilege of ['UPDATE', 'DELETE', 'TRUNCATE']) {
    test(`refuses to run when the app role can ${privilege} the audit table`, async () => {
      await asOwner(fx.owner, [`GRANT ${privilege} ON audit_log TO printforge_app`])
      try {
        await assert.rejects(check(fx.database.appUrl), new RegExp(`can ${privilege} (from )?audit_log`))
      } finally {
        await asOwner(fx.owner, [`REVOKE ${privilege} ON audit_log FROM printforge_app`])
      }
    })
  }

  test('refuses the owner role, its members and roles that bypass RLS', async () => {
    await assert.rejects(check(fx.database.ownerUrl), /owns tables/)
    // BYPASSRLS is cluster-wide: use a throwaway role rather than altering printforge_app under
    // the other test files' feet.
    const name = `pf_bypass_${randomBytes(4).toString('hex')}`
    const password = randomBytes(24).toString('hex')
    const su = new pg.Client({ connectionString: fx.database.superuserUrl })
    await su.connect()
    try {
      await su.query(`CREATE ROLE ${name} LOGIN BYPASSRLS PASSWORD '${password}'`)
      await su.query(`GRANT USAGE ON SCHEMA public TO ${name}`)
      const url = new URL(fx.database.appUrl)
      url.username = name
      url.password = password
      await assert.rejects(check(url.toString()), /has BYPASSRLS/)
      await assert.rejects(check(fx.database.superuserUrl), /is a superuser/)
      // A role that may act as the owner (membership) is as dangerous as the owner itself.
      await su.query(`ALTER ROLE ${name} NOBYPASSRLS`)
      await su.query(`GRANT printforge_owner TO ${name}`)
      await assert.rejects(check(url.toString()), /member of the tables' owner role/)
    } finally {
      await su.query(`DROP OWNED BY ${name}`)
      await su.query(`DROP ROLE ${name}`)
      await su.end()
    }
  })

  test('refuses to run when a customer-data table has RLS not forced', async () => {
    await asOwner(fx.owner, ['ALTER TABLE scan_jobs NO FORCE ROW LEVEL SECURITY'])
    try {
      await assert.rejects(check(fx.database.appUrl), /without forced RLS: scan_jobs/)
    } finally {
      await asOwner(fx.owner, ['ALTER TABLE scan_jobs FORCE ROW LEVEL SECURITY'])
    }
  })

  test('every table the app can reach has RLS enabled and forced, with a policy', async () => {
    const { rows } = await fx.owner.query(`
      SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
             (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname)::int AS policies
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'
         AND has_table_privilege('printforge_app', c.oid, 'SELECT')
         AND c.relname <> 'audit_chain'`)
    assert.ok(rows.length >= 10)
    for (const row of rows) {
      assert.ok(row.relrowsecurity && row.relforcerowsecurity && row.policies > 0, `${row.relname}: ${JSON.stringify(row)}`)
    }
  })

  test('the app role cannot run DDL nor read the migrations table', async () => {
    const client = new pg.Client({ connectionString: fx.database.appUrl })
    await client.connect()
    try {
      await assert.rejects(client.query('CREATE TABLE sneaky (id int)'), /permission denied/)
      await assert.rejects(client.query('SELECT * FROM _prisma_migrations'), /permission denied/)
      await assert.rejects(client.query('UPDATE audit_chain SET last_id = 0'), /permission denied/)
    } finally {
      await client.end()
    }
  })

  test('printforge_readonly cannot read audit details', async () => {
    const client = new pg.Client({ connectionString: fx.database.readonlyUrl })
    await client.connect()
    try {
      await client.query('SELECT id, action, hash FROM audit_log')
      await assert.rejects(client.query('SELECT details FROM audit_log'), /permission denied/)
      await assert.rejects(client.query('SELECT access_code_ciphertext FROM printers'), /permission denied/)
      await assert.rejects(client.query("INSERT INTO staff (user_id, role, granted_by, updated_at) VALUES ('u', 'admin', 'x', now())"), /permission denied/)
    } finally {
      await client.end()
    }
  })
})
