import { after, before } from 'node:test'
import { ageAuditRows as ageAuditRowsAs, createTestDatabase, type TestDatabase } from '@printforge/devstack'
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
    // The drop below ends every session still open on this database; an idle pooled client's
    // "terminating connection due to administrator command" must not become an uncaught error
    // charged to the file's last test (seen once under CI load, after all tests had passed).
    fixture.owner.on('error', () => {})
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

/** Ages the audit rows with id ≤ throughId by `days` and re-hashes the chain (superuser). */
export const ageAuditRows = (fx: DbFixture, throughId: bigint, days: number) => ageAuditRowsAs(fx.database.superuserUrl, throughId, days)

/**
 * Appends `n` audit rows through the real chain trigger (as printforge_app, system context),
 * 1,000 per statement and transaction: each row updates the head row, and within one
 * transaction those versions pile up. Returns the id of the last row.
 */
export async function appendAuditRows(fx: DbFixture, n: number): Promise<bigint> {
  const client = new pg.Client({ connectionString: fx.database.appUrl })
  await client.connect()
  try {
    let last = 0n
    for (let done = 0; done < n; done += 1_000) {
      await client.query('BEGIN')
      await client.query("SELECT set_config('app.actor_id', 'system', true), set_config('app.role', 'system', true)")
      await client.query(
        `INSERT INTO audit_log (actor_type, actor_id, action, target_id, details)
         SELECT 'system', 'system', 'scan.stored', 'img-' || g, jsonb_build_object('n', g) FROM generate_series($1::int + 1, $1::int + $2::int) g`,
        [done, Math.min(1_000, n - done)],
      )
      const { rows } = await client.query<{ last_id: string }>('SELECT last_id FROM audit_chain')
      last = BigInt(rows[0]!.last_id)
      await client.query('COMMIT')
    }
    return last
  } finally {
    await client.end()
  }
}

/**
 * Rewrites one audit row's details behind the triggers' back, as a tamperer with superuser rights
 * would. Returns the undo (the original details back: the row verifies again).
 */
export async function tamperAuditRow(fx: DbFixture, id: bigint): Promise<() => Promise<void>> {
  const write = async (details: string | null) => {
    const client = new pg.Client({ connectionString: fx.database.superuserUrl })
    await client.connect()
    try {
      await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
      const { rows } = await client.query<{ old: string }>(
        'UPDATE audit_log a SET details = COALESCE($2::jsonb, \'{"tampered": true}\') FROM audit_log o WHERE a.id = $1 AND o.id = a.id RETURNING o.details::text AS old',
        [id, details],
      )
      return rows[0]?.old ?? null
    } finally {
      await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only').catch(() => {})
      await client.end()
    }
  }
  const original = await write(null)
  return async () => void (await write(original))
}
