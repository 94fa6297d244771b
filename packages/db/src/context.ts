import { setTimeout as sleep } from 'node:timers/promises'
import { Prisma } from './generated/prisma/client.js'
import type { Db, Tx } from './client.js'
import { isSerializationFailure } from './errors.js'

/**
 * Who a unit of work runs as. Row-level security reads these through `app.actor_id` and
 * `app.role` (docs/product.md §5.2): 'customer' sees its own rows, 'operator'/'admin' see all, 'system'
 * is the worker and ops commands, 'user' is a Medusa admin user without a staff role,
 * 'anonymous' is a request without identity (it can only append auth.failed audit rows), and
 * 'api_key' a machine client: actorId is the key's public id, and the database reads its scopes
 * from the key's row (app_has_scope), never from the context.
 */
export type DbRole = 'customer' | 'user' | 'operator' | 'admin' | 'system' | 'anonymous' | 'api_key'

export interface DbContext {
  actorId: string | null
  role: DbRole
}

export const SYSTEM_CONTEXT: DbContext = Object.freeze({ actorId: 'system', role: 'system' })
export const ANONYMOUS_CONTEXT: DbContext = Object.freeze({ actorId: null, role: 'anonymous' })

export interface TxOptions {
  /** Longest the transaction may run; default: the client's (DATABASE_TX_TIMEOUT_MS). */
  timeoutMs?: number
  /** Longest to wait for a pooled connection. */
  maxWaitMs?: number
}

/** Attempts of a transaction that keeps losing a serialization or deadlock race. */
const ATTEMPTS = 3

/**
 * A Prisma transaction client lacks `$connect` (its deny list): that is how a joined call is told
 * apart. (Not `$transaction`: Prisma 7 offers it inside a transaction too, as a savepoint — which
 * would let a nested call re-run set_config and quietly change who the outer transaction runs as.)
 */
const isTx = (db: Db | Tx): db is Tx => typeof (db as { $connect?: unknown }).$connect !== 'function'

/**
 * Runs `fn` in one interactive transaction whose first statement sets the RLS context with
 * `set_config(…, true)`: transaction-local, so it can never leak to the next user of the pooled
 * connection. Everything `fn` does — the change and its audit row — commits or rolls back together.
 *
 * Given a transaction instead of a client, `fn` joins it: repository functions compose into one
 * caller's transaction. The joined context must be the one already in force (checked: running a
 * customer's step inside a system transaction would silently widen what RLS lets it see).
 *
 * A serialization failure or deadlock (40001/40P01) rolls everything back, so the whole unit is
 * retried, up to 3 attempts with a short jittered pause; a joined call leaves that to its owner.
 */
export async function withTx<T>(db: Db | Tx, context: DbContext, fn: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
  if (isTx(db)) {
    await assertContext(db, context)
    return fn(db)
  }
  // A full client is also structurally a Tx, so the guard above cannot narrow this branch.
  const client = db as Db
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.$transaction(
        async (tx: Tx) => {
          await tx.$executeRaw`SELECT set_config('app.actor_id', ${context.actorId ?? ''}, true), set_config('app.role', ${context.role}, true)`
          return fn(tx)
        },
        {
          isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
          ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
          maxWait: options.maxWaitMs ?? 2_000,
        },
      )
    } catch (err) {
      if (attempt >= ATTEMPTS || !isSerializationFailure(err)) throw err
      await sleep(10 * attempt + Math.random() * 20)
    }
  }
}

async function assertContext(tx: Tx, context: DbContext): Promise<void> {
  const [current] = await tx.$queryRaw<{ actor: string; role: string }[]>`
    SELECT current_setting('app.actor_id', true) AS actor, current_setting('app.role', true) AS role`
  if (current?.role !== context.role || current.actor !== (context.actorId ?? '')) {
    throw new Error(`withTx: cannot join a ${current?.role ?? 'context-less'} transaction as ${context.role}`)
  }
}
