import { PrismaPg } from '@prisma/adapter-pg'
import type pg from 'pg'
import { createPool, transactionOptions, type DatabaseSettings } from './client.js'
import type { DbContext } from './context.js'
import { PrismaClient } from './generated/prisma/client.js'
import { watchDatabase, type DatabaseHealth, type HealthSettings } from './health.js'
import type { GuardedPool } from './pool.js'

/**
 * One pg pool shared by Prisma (writes, complex reads) and hand-issued read transactions on the
 * hot path (measured: Prisma's interactive transaction costs ~3× a hand-issued one), and the
 * health of the database behind it.
 */
export interface Database {
  prisma: PrismaClient
  pool: GuardedPool
  /** `up` is false while the database does not answer; new work then fails at once (503). */
  health: DatabaseHealth
  close(): Promise<void>
}

export function createDatabase(settings: DatabaseSettings & { health?: HealthSettings }): Database {
  const health: DatabaseHealth = watchDatabase({ connectionString: settings.url }, {
    ...settings.health,
    // Requests already waiting on a frozen server fail now rather than at their deadline.
    onDown: () => pool.severAll(),
    lastAnswerAt: () => pool.activity.lastAnswerAt,
  })
  const pool = createPool(settings, () => health.up)
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: transactionOptions(settings) })
  return {
    prisma,
    pool,
    health,
    close: async () => {
      await health.close()
      await prisma.$disconnect()
      await pool.end()
    },
  }
}

/**
 * One read-only query in one round trip: `BEGIN READ ONLY`, both `set_config(…, true)`, the
 * query and `COMMIT` travel as a single simple-protocol message. PostgreSQL runs the statements
 * in order, so the RLS context is in force before the query runs (unlike a CTE, whose evaluation
 * order is not guaranteed). Simple protocol takes no bind parameters: `params` are inlined as
 * escaped literals, so pass only strings (ids, already validated by the caller's schema).
 */
export async function readOnce<T>(pool: pg.Pool, context: DbContext, sql: string, params: (string | null)[]): Promise<T[]> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    const literal = (value: string | null) => (value === null ? 'NULL' : client.escapeLiteral(value))
    const query = sql.replace(/\$(\d+)/g, (_, n: string) => {
      const index = Number(n) - 1
      if (index < 0 || index >= params.length) throw new Error(`readOnce: no parameter $${n}`)
      return literal(params[index] as string | null)
    })
    const results = (await client.query(
      `BEGIN READ ONLY; SELECT set_config('app.actor_id', ${literal(context.actorId ?? '')}, true), ` +
        `set_config('app.role', ${literal(context.role)}, true); ${query}; COMMIT`,
    )) as unknown as pg.QueryResult[]
    return (results[2]?.rows ?? []) as T[]
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError))
    throw err
  } finally {
    client.release(broken)
  }
}
