import { after, before } from 'node:test'
import { createTestDatabase, type TestDatabase } from '@printforge/devstack'
import pg from 'pg'
import { createPrismaClient, type Db } from '../src/index.ts'

export interface DbFixture {
  /** Prisma on printforge_app, as the services connect */
  db: Db
  /** node-postgres pool on the owner role: plays ops, or a malicious owner */
  owner: pg.Pool
  database: TestDatabase
}

/** A migrated database of its own for this test file, dropped when the file ends. */
export function useDatabase(): DbFixture {
  const fixture = {} as DbFixture
  before(async () => {
    fixture.database = await createTestDatabase()
    fixture.db = createPrismaClient({ url: fixture.database.appUrl, poolMax: 20 })
    fixture.owner = new pg.Pool({ connectionString: fixture.database.ownerUrl, max: 4 })
  })
  after(async () => {
    await fixture.db?.$disconnect()
    await fixture.owner?.end()
    await fixture.database?.drop()
  })
  return fixture
}

/** Runs statements on one owner connection, optionally with an RLS context set first. */
export async function asOwner(pool: pg.Pool, statements: string[], context?: { role: string; actorId?: string }) {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    if (context) {
      await client.query("SELECT set_config('app.role', $1, true), set_config('app.actor_id', $2, true)", [
        context.role,
        context.actorId ?? '',
      ])
    }
    const results = []
    for (const statement of statements) results.push(await client.query(statement))
    await client.query('COMMIT')
    return results
  } catch (err) {
    await client.query('ROLLBACK')
    throw err
  } finally {
    client.release()
  }
}

export const customer = (id: string) => ({ actorId: id, role: 'customer' as const })

/**
 * Plays time forward for the oldest audit rows: moves them `days` back and re-hashes the chain
 * from the anchor on (superuser, trigger disabled), so retention has something it may prune.
 */
export async function ageAuditRows(fx: DbFixture, throughId: bigint, days: number) {
  const client = new pg.Client({ connectionString: fx.database.superuserUrl })
  await client.connect()
  try {
    await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
    await client.query(`UPDATE audit_log SET at = at - make_interval(days => $1) WHERE id <= $2`, [days, throughId])
    await client.query(`DO $$ DECLARE r audit_log; prev text; BEGIN
        SELECT hash INTO prev FROM audit_anchor WHERE id = 1;
        FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
          r.prev_hash := prev; r.hash := audit_row_hash(r);
          UPDATE audit_log SET prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
          prev := r.hash;
        END LOOP;
        UPDATE audit_chain SET last_hash = prev WHERE id = 1;
      END $$`)
  } finally {
    await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only').catch(() => {})
    await client.end()
  }
}
