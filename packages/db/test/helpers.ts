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
