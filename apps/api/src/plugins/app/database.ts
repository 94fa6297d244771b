import { assertSafeAppRole, createDatabase, type Database } from '@printforge/db'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
  }
}

/**
 * PostgreSQL as printforge_app. Boot fails unless the role is safe: no superuser, no BYPASSRLS,
 * not the owner, no UPDATE/DELETE/TRUNCATE on the audit log, RLS forced everywhere.
 */
export default fp(
  async (app: FastifyInstance) => {
    const db = createDatabase({
      url: app.config.DATABASE_URL,
      poolMax: app.config.DATABASE_POOL_MAX,
      txTimeoutMs: app.config.DATABASE_TX_TIMEOUT_MS,
      // Once per outage each way, not once per request.
      health: {
        onChange: (up, cause) =>
          up
            ? app.log.info({ alert: 'database_recovered' }, 'database answering again')
            : app.log.error({ alert: 'database_unavailable', reason: cause?.message }, 'database not answering: requests that need it get 503 until it recovers'),
      },
    })
    try {
      const role = await assertSafeAppRole(db.prisma)
      app.log.info({ role }, 'database role checked')
    } catch (err) {
      await db.close()
      throw err
    }
    app.decorate('db', db)
    app.addHook('onClose', () => db.close())
  },
  { name: 'database', dependencies: ['config'] },
)
