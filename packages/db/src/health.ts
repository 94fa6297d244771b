import pg from 'pg'

export interface HealthSettings {
  /** How often the probe runs (default 250 ms). */
  intervalMs?: number
  /** How long `SELECT 1` on the open probe connection may take (default 1 s). */
  timeoutMs?: number
  /** How long (re)opening the probe connection may take (default 3 s: a fork and a SCRAM handshake). */
  connectTimeoutMs?: number
  /** Told once per change, e.g. to log the outage and the recovery. */
  onChange?: (up: boolean, cause?: Error) => void
}

export interface DatabaseHealth {
  /** False from a failed probe until the next one that succeeds. */
  readonly up: boolean
  close(): Promise<void>
}

interface Watch extends HealthSettings {
  /** Called when the database goes down, before onChange (cut the waits in flight). */
  onDown?: () => void
  /** When any other query last got its answer: proof of life that beats a slow probe. */
  lastAnswerAt?: () => number
}

/**
 * Watches the database with `SELECT 1` on a connection of its own (so an exhausted pool is not
 * mistaken for an outage, and an outage is seen even when no request is running).
 * - A refused or dropped connection is an outage at once (a dead or restarting server).
 * - A probe without an answer in time is an outage only if no other query got an answer during
 *   it either: a frozen server answers nobody, a merely busy one still answers someone. That
 *   keeps a loaded machine from cutting healthy work short.
 * While down, the pool refuses new work at once (503 in a millisecond, not a hang), and `onDown`
 * cuts the connections requests were already waiting on.
 */
export function watchDatabase(config: pg.ClientConfig, settings: Watch = {}): DatabaseHealth {
  const intervalMs = settings.intervalMs ?? 250
  const timeoutMs = settings.timeoutMs ?? 1_000
  const connectTimeoutMs = settings.connectTimeoutMs ?? 3_000
  let up = true
  let closed = false
  let client: pg.Client | null = null
  let timer: NodeJS.Timeout | undefined

  const drop = () => {
    const c = client
    client = null
    // destroy, not end(): a frozen server would never acknowledge a polite goodbye.
    ;(c as unknown as { connection?: { stream?: { destroy(): void } } } | null)?.connection?.stream?.destroy()
  }

  const within = <T>(p: Promise<T>, ms: number, what: string) => {
    let deadline: NodeJS.Timeout | undefined
    const armed = Date.now()
    const timeout = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => {
        // After our own event loop was blocked (a busy boot, a long synchronous task), timers run
        // before the sockets are read: the answer may be sitting unread. setImmediate runs after
        // the poll phase, so an answer that arrived in time has settled the race by then.
        setImmediate(() => {
          // A timer that fires much later than asked says the same: not evidence of an outage.
          const late = Date.now() - armed > ms + LATE_TIMER_MS
          reject(new ProbeTimeout(`${what}: no answer within ${ms} ms`, late))
        })
      }, ms)
    })
    return Promise.race([p, timeout]).finally(() => clearTimeout(deadline))
  }

  async function probe(): Promise<void> {
    if (!client) {
      // No connectionTimeoutMillis: pg's own timer would fail the connect as a plain error, and a
      // blocked event loop then looks like a refused connection (an outage at once). `within`
      // times the connect instead, telling a late timer and a frozen server apart.
      const c = new pg.Client({ ...config, connectionTimeoutMillis: 0, application_name: 'printforge-health' })
      c.on('error', () => {})
      client = c
      await within(c.connect(), connectTimeoutMs, 'connect')
    }
    await within(client.query('SELECT 1'), timeoutMs, 'SELECT 1')
  }

  async function tick() {
    const started = Date.now()
    let failure: Error | undefined
    try {
      await probe()
    } catch (err) {
      failure = err as Error
      drop()
    }
    if (closed) return
    const answeredMeanwhile = (settings.lastAnswerAt?.() ?? 0) >= started
    const inconclusive = failure instanceof ProbeTimeout && (failure.late || answeredMeanwhile)
    const nowUp = inconclusive ? up : failure === undefined
    if (nowUp !== up) {
      up = nowUp
      if (!up) settings.onDown?.()
      settings.onChange?.(up, failure)
    }
    timer = setTimeout(() => void tick(), intervalMs)
    timer.unref()
  }

  timer = setTimeout(() => void tick(), intervalMs)
  timer.unref()
  return {
    get up() {
      return up
    },
    async close() {
      closed = true
      clearTimeout(timer)
      const c = client
      if (!c) return
      // A polite end, unless the server is frozen: then the socket is cut after a short wait.
      const ended = await Promise.race([c.end().then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), 500).unref())])
      if (!ended) drop()
      client = null
    },
  }
}

/** How much later than asked a timer may fire before we blame our own event loop. */
const LATE_TIMER_MS = 250

class ProbeTimeout extends Error {
  constructor(message: string, readonly late: boolean) {
    super(message)
  }
}
