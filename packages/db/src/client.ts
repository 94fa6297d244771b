import { PrismaPg } from '@prisma/adapter-pg'
import type pg from 'pg'
import { PrismaClient } from './generated/prisma/client.js'
import type { Prisma } from './generated/prisma/client.js'
import { GuardedPool } from './pool.js'

/** The Prisma client, or a transaction of it: what every repository function takes first. */
export type Db = PrismaClient
export type Tx = Prisma.TransactionClient

export interface DatabaseSettings {
  /** URL of the `printforge_app` role (never the owner). */
  url: string
  poolMax: number
  /** Any single statement longer than this is cancelled by PostgreSQL. */
  statementTimeoutMs?: number
  /**
   * Longest wait for a connection, queueing for a pooled one included. Short by default so an
   * exhausted pool or a dead database becomes a fast 503, never a hung request.
   */
  connectionTimeoutMs?: number
  /**
   * Client-side deadline of every query (default: statement timeout + 2 s). PostgreSQL enforces
   * the statement timeout itself; this one also holds when the server cannot answer at all.
   */
  queryDeadlineMs?: number
  /** Longest an interactive transaction may run (DATABASE_TX_TIMEOUT_MS; default 5 s). */
  txTimeoutMs?: number
}

/**
 * node-postgres pool settings shared by every client. Connection attempts fail fast so a database
 * outage turns into a quick 503 upstream, never a hung request.
 */
function poolConfig(settings: DatabaseSettings): pg.PoolConfig {
  return {
    connectionString: settings.url,
    max: settings.poolMax,
    connectionTimeoutMillis: settings.connectionTimeoutMs ?? 2_000,
    // A connection idle for 5 minutes is closed (asyncpg's default too), not after 30 s: a fresh
    // backend costs a SCRAM handshake and cold catalog caches, and its first hot read compiles and
    // plans the plpgsql function again. Measured (npm run bench -- api): after 45 s without traffic,
    // the first 10 s at 500 req/s had a p99 of ~190 ms with 30 s (every connection re-opened under
    // load), against ~17 ms on warm connections.
    idleTimeoutMillis: 300_000,
    statement_timeout: settings.statementTimeoutMs ?? 10_000,
    // A transaction left open by a crashed handler must not hold locks (the audit chain head!).
    idle_in_transaction_session_timeout: 15_000,
    application_name: 'printforge',
  }
}

/** A pool whose clients survive their server dying and never wait past their deadline (pool.ts). */
export function createPool(settings: DatabaseSettings, isUp?: () => boolean): GuardedPool {
  const config = poolConfig(settings)
  const queryDeadlineMs = settings.queryDeadlineMs ?? (config.statement_timeout as number) + 2_000
  return new GuardedPool({ ...config, queryDeadlineMs, ...(isUp ? { isUp } : {}) })
}

/** Every transaction's deadline unless the caller names one (a lock held past it is released). */
export const transactionOptions = (settings: DatabaseSettings) => ({ timeout: settings.txTimeoutMs ?? 5_000 })

/**
 * A Prisma client over node-postgres (driver adapter; no native engine) owning its pool, for
 * short-lived processes (CLI, tests). Long-running services use createDatabase, which also
 * watches the database's health.
 */
export function createPrismaClient(settings: DatabaseSettings): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(createPool(settings), { disposeExternalPool: true }), transactionOptions: transactionOptions(settings) })
}

export { PrismaClient }
