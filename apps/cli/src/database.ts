import type { CliConfig } from '@printforge/config'
import { assertSafeAppRole, createPrismaClient, type Db } from '@printforge/db'

/**
 * Runs `fn` with a client on the app role, after the same startup check the API and worker run:
 * ops commands never hold more database rights than the services do.
 */
export async function withAppDatabase<T>(config: CliConfig, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createPrismaClient({ url: config.DATABASE_URL, poolMax: 2, txTimeoutMs: config.DATABASE_TX_TIMEOUT_MS })
  try {
    await assertSafeAppRole(db)
    return await fn(db)
  } finally {
    await db.$disconnect()
  }
}

/** Backups dump and restore as the owner: the app role can neither read every row nor create tables. */
export function requireAdminUrl(config: CliConfig): string {
  if (!config.DATABASE_ADMIN_URL) throw new Error('DATABASE_ADMIN_URL is required: backups dump and restore as the owner role')
  return config.DATABASE_ADMIN_URL
}
