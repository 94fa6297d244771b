import { Prisma } from './generated/prisma/client.js'
import type { Db, Tx } from './client.js'

/**
 * Who a unit of work runs as. Row-level security reads these through `app.actor_id` and
 * `app.role` (docs/product.md §5.2): 'customer' sees its own rows, 'operator'/'admin' see all, 'system'
 * is the worker and ops commands, 'user' is a Medusa admin user without a staff role, and
 * 'anonymous' is a request without identity (it can only append auth.failed audit rows).
 */
export type DbRole = 'customer' | 'user' | 'operator' | 'admin' | 'system' | 'anonymous'

export interface DbContext {
  actorId: string | null
  role: DbRole
}

export const SYSTEM_CONTEXT: DbContext = Object.freeze({ actorId: 'system', role: 'system' })
export const ANONYMOUS_CONTEXT: DbContext = Object.freeze({ actorId: null, role: 'anonymous' })

export interface TxOptions {
  /** Longest the transaction may run (Prisma interactive transaction timeout). */
  timeoutMs?: number
  /** Longest to wait for a pooled connection. */
  maxWaitMs?: number
}

/**
 * Runs `fn` in one interactive transaction whose first statement sets the RLS context with
 * `set_config(…, true)`: transaction-local, so it can never leak to the next user of the pooled
 * connection. Everything `fn` does — the change and its audit row — commits or rolls back together.
 */
export async function withTx<T>(db: Db, context: DbContext, fn: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT set_config('app.actor_id', ${context.actorId ?? ''}, true), set_config('app.role', ${context.role}, true)`
      return fn(tx)
    },
    {
      isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
      timeout: options.timeoutMs ?? 5_000,
      maxWait: options.maxWaitMs ?? 2_000,
    },
  )
}
