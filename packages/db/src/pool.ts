import pg from 'pg'

/**
 * Why a pool of our own (a thin subclass of node-postgres's): three failure modes of a database
 * that dies or freezes under load, none of which pg or Prisma's adapter handle for us.
 *
 * 1. A client that is checked out (a transaction, readOnce) has no 'error' listener: pg-pool only
 *    listens on idle clients, and Prisma's adapter removes its own when a transaction ends. When
 *    the server goes away, the client emits 'error' and, unheard, the process exits. Every client
 *    here listens for its whole life; the query in flight fails on its own promise.
 * 2. A frozen server (SIGSTOP, a stalled disk, a partition) answers nothing: a query on an open
 *    connection waits forever, since statement_timeout is enforced by the frozen server itself.
 *    Every query gets a client-side deadline, and a query past it destroys its connection (the
 *    only way to stop waiting on a socket that will never answer), so the pool drops it.
 * 3. While the database is known to be down, waiting for a connection only delays the 503.
 *    `connect()` then fails at once (see DatabaseHealth), and `severAll()` ends the waits of
 *    requests that were already in flight when the outage was detected.
 */

/** The database is unreachable or not answering: callers answer 503 and retry later. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE'
  constructor(message = 'database unavailable', options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DatabaseUnavailableError'
  }
}

type Callback = (err: Error | null, result?: unknown) => void

/** What the client exposes of pg's internals: the socket, to cut a connection that hangs. */
interface ClientInternals {
  connection?: { stream?: { destroy(error?: Error): void } }
}

/** A server error (it has a SQLSTATE) is an answer too; a cut connection is not. */
const answered = (err: unknown) => !err || /^[0-9A-Z]{5}$/.test(String((err as { code?: unknown }).code))

interface ClientHooks {
  queryDeadlineMs: number
  onAnswer: () => void
  /** Every client from its birth (connecting ones included), so an outage can cut them all. */
  onCreate: (client: Severable) => void
  isUp: () => boolean
}

function makeClient({ queryDeadlineMs, onAnswer, onCreate, isUp }: ClientHooks) {
  return class SafeClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config)
      // (1) Absorbed here; the pool removes a client that is no longer queryable when it is released.
      this.on('error', () => {})
      onCreate(this)
    }

    // (3) pg-pool opens connections for its waiters by itself; while the database is known to be
    // down they fail at once instead of waiting out connectionTimeoutMillis on a frozen server.
    override connect(): Promise<pg.Client>
    override connect(callback: (err: Error | null, client?: pg.Client) => void): void
    override connect(callback?: (err: Error | null, client?: pg.Client) => void): Promise<pg.Client> | void {
      if (!isUp()) {
        const err = new DatabaseUnavailableError()
        if (!callback) return Promise.reject(err)
        process.nextTick(() => callback(err))
        return
      }
      return callback ? super.connect(callback as (err: Error) => void) : super.connect()
    }

    /** Cuts the connection: the query in flight rejects ("Connection terminated unexpectedly"). */
    sever(): void {
      ;(this as unknown as ClientInternals).connection?.stream?.destroy()
    }

    // (2) Overrides every call style pg and Prisma use: promise (config object or text) and callback.
    override query(...args: unknown[]): never {
      const timer = setTimeout(() => this.sever(), queryDeadlineMs)
      timer.unref()
      const done = (err?: unknown) => {
        clearTimeout(timer)
        if (answered(err)) onAnswer()
      }
      const last = args.at(-1)
      if (typeof last === 'function') {
        args[args.length - 1] = (err: Error | null, result: unknown) => {
          done(err)
          ;(last as Callback)(err, result)
        }
        return (super.query as (...a: unknown[]) => never)(...args)
      }
      const result = (super.query as (...a: unknown[]) => unknown)(...args)
      if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(() => done(), done)
      else clearTimeout(timer)
      return result as never
    }
  }
}

type Severable = { sever(): void }

export interface GuardedPoolOptions extends pg.PoolConfig {
  /** Longest any single query may wait for its answer before its connection is cut. */
  queryDeadlineMs: number
  /** When it returns false, `connect()` fails at once with DatabaseUnavailableError. */
  isUp?: () => boolean
}

export class GuardedPool extends pg.Pool {
  private readonly isUp: () => boolean
  private readonly clients: Set<Severable>
  /** When a query on this pool last got an answer from the server (health.ts: proof of life). */
  readonly activity: { lastAnswerAt: number }

  constructor({ queryDeadlineMs, isUp, ...config }: GuardedPoolOptions) {
    const activity = { lastAnswerAt: 0 }
    const clients = new Set<Severable>()
    const up = isUp ?? (() => true)
    const Client = makeClient({ queryDeadlineMs, isUp: up, onAnswer: () => (activity.lastAnswerAt = Date.now()), onCreate: (c) => clients.add(c) })
    super({ ...config, Client: Client as unknown as typeof pg.Client })
    this.activity = activity
    this.clients = clients
    this.isUp = up
    // An idle client that loses its server emits 'error' on the pool; without a listener that
    // would crash the process. The next checkout reconnects.
    this.on('error', () => {})
    this.on('remove', (client) => this.clients.delete(client as unknown as Severable))
  }

  // (3) pg-pool's own query() goes through connect(callback) too.
  override connect(): Promise<pg.PoolClient>
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void
  override connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<pg.PoolClient> | void {
    if (!this.isUp()) {
      const err = new DatabaseUnavailableError()
      if (!callback) return Promise.reject(err)
      process.nextTick(() => callback(err, undefined, () => {}))
      return
    }
    return callback ? super.connect(callback) : super.connect()
  }

  /**
   * Cuts every connection, connecting ones included: their queries and handshakes fail now
   * instead of waiting on a frozen server. Requests queued for a connection follow at once: the
   * pool opens new clients for them, and those refuse to connect while the database is down.
   */
  severAll(): number {
    const cut = this.clients.size
    for (const client of this.clients) client.sever()
    this.clients.clear()
    return cut
  }
}
