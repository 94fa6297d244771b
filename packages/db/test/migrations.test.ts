import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { diffMigrationsToSchema, migrateDeploy, prismaPaths } from '../src/migrate.ts'
import { poolFor } from '../src/migrate/engine-adapter.ts'
import { useDatabase } from './helpers.ts'

const fx = useDatabase()
const prismaDir = fileURLToPath(new URL('../../../prisma', import.meta.url))

/** Everything a migration can change, as one comparable string. */
async function fingerprint(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const parts = await Promise.all([
      "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
      "SELECT tablename, policyname, roles::text, cmd, qual, with_check FROM pg_policies ORDER BY 1, 2",
      "SELECT tgname, tgrelid::regclass::text, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
      "SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants WHERE table_schema = 'public' ORDER BY 1, 2, 3",
      "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY 1",
      'SELECT c.last_id, c.last_hash, a.through_id, a.hash FROM audit_chain c, audit_anchor a',
      'SELECT migration_name, checksum FROM _prisma_migrations ORDER BY 1',
    ].map((sql) => client.query(sql).then((r) => JSON.stringify(r.rows))))
    return parts.join('\n')
  } finally {
    await client.end()
  }
}

async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `pf_empty_${randomBytes(5).toString('hex')}`
  await fx.owner.query(`CREATE DATABASE ${name}`)
  const url = new URL(fx.database.ownerUrl)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: async () => void (await fx.owner.query(`DROP DATABASE ${name} WITH (FORCE)`)) }
}

describe('migrations (offline, Prisma WebAssembly engine)', () => {
  test('apply to an empty database, then a second run changes nothing', async () => {
    const db = await emptyDatabase()
    try {
      const first = await migrateDeploy(db.url, prismaPaths(prismaDir))
      assert.ok(first.length >= 2, `applied ${first.join(', ')}`)
      const before = await fingerprint(db.url)
      assert.deepEqual(await migrateDeploy(db.url, prismaPaths(prismaDir)), [])
      assert.equal(await fingerprint(db.url), before)
    } finally {
      await db.drop()
    }
  })

  test('_prisma_migrations is written as `prisma migrate deploy` writes it', async () => {
    const { rows } = await fx.owner.query(
      'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    )
    assert.ok(rows.length >= 2)
    for (const row of rows) {
      const sql = await readFile(path.join(prismaDir, 'migrations', row.migration_name, 'migration.sql'))
      assert.equal(row.checksum, createHash('sha256').update(sql).digest('hex'), row.migration_name)
      assert.ok(row.finished_at instanceof Date)
      assert.equal(row.rolled_back_at, null)
      assert.equal(row.applied_steps_count, 1)
    }
  })

  test('schema.prisma and the migrations agree', async () => {
    const diff = await diffMigrationsToSchema(fx.database.ownerUrl, prismaPaths(prismaDir))
    assert.equal(diff.inSync, true, `drift:\n${diff.script}`)
  })

  test('a schema change without a migration is reported as drift, with its SQL', async () => {
    const copy = await mkdtemp(path.join(os.tmpdir(), 'pf-drift-'))
    try {
      await cp(prismaDir, copy, { recursive: true })
      const schemaPath = path.join(copy, 'schema.prisma')
      const schema = await readFile(schemaPath, 'utf8')
      await writeFile(schemaPath, schema.replace('  title         String        @db.VarChar(120)', '  title         String        @db.VarChar(120)\n  colour        String?'))
      const diff = await diffMigrationsToSchema(fx.database.ownerUrl, prismaPaths(copy))
      assert.equal(diff.inSync, false)
      assert.match(diff.script, /ALTER TABLE "scan_jobs" ADD COLUMN\s+"colour" TEXT/)
    } finally {
      await rm(copy, { recursive: true, force: true })
    }
  })

  test('a server that terminates an idle engine connection does not crash the process', async () => {
    // What DROP DATABASE … WITH (FORCE) or a restart does to a pool whose end() has resolved
    // before its sockets closed: the idle client errors, and an unheard pool 'error' is fatal.
    const pool = poolFor(fx.database.ownerUrl)
    try {
      const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      const terminated = new Promise((resolve) => pool.once('remove', resolve)) // after its 'error'
      await fx.owner.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid])
      await terminated
      await new Promise((r) => setTimeout(r, 50))
    } finally {
      await pool.end()
    }
  })
})
