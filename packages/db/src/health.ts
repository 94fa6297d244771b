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
 * - A probe without an answer in time is an outage only if no other query got an answer lately
 *   either: a frozen server answers nobody, a merely busy one still answers someone. That
 *   keeps a loaded machine from cutting healthy work short. An inconclusive probe is waited on
 *   again at the next tick, not abandoned.
 * - Our own event loop being blocked is neither: see `within`.
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

  /**
   * Our own event loop being blocked (a busy boot, a long synchronous task) is no evidence of an
   * outage. Timers run before sockets are read, so an answer may be sitting unread when the
   * deadline fires: setImmediate runs after the poll phase, by when an answer that arrived has
   * settled the race. That settles SELECT 1 (one packet); a connect needs several round trips
   * the blocked loop could not make, so a connect timer that fired late is inconclusive too.
   */
  const within = <T>(p: Promise<T>, ms: number, what: 'connect' | 'SELECT 1') => {
    let deadline: NodeJS.Timeout | undefined
    const armed = Date.now()
    const timeout = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => {
        setImmediate(() => {
          const late = what === 'connect' && Date.now() - armed > ms + LATE_TIMER_MS
          reject(new ProbeTimeout(`${what}: no answer within ${ms} ms`, late))
        })
      }, ms)
    })
    return Promise.race([p, timeout]).finally(() => clearTimeout(deadline))
  }

  // The connect or SELECT 1 in flight. An inconclusive timeout keeps it, and the next tick waits
  // on it again: a slow answer is still an answer, and abandoning it would mean a reconnect
  // (a whole connect timeout on a frozen server) before the next verdict.
  let step: { kind: 'connect' | 'SELECT 1'; answer: Promise<unknown>; waitedBefore?: boolean } | null = null

  async function probe(): Promise<void> {
    for (;;) {
      if (!step) {
        if (!client) {
          // No connectionTimeoutMillis: pg's own timer would fail the connect as a plain error, and
          // a blocked event loop then looks like a refused connection (an outage at once). `within`
          // times the connect instead, telling a late timer and a frozen server apart.
          const c = new pg.Client({ ...config, connectionTimeoutMillis: 0, application_name: 'printforge-health' })
          c.on('error', () => {})
          client = c
          step = { kind: 'connect', answer: c.connect() }
        } else {
          step = { kind: 'SELECT 1', answer: client.query('SELECT 1') }
        }
        // Judged by `within`, possibly over several ticks; never an unhandled rejection.
        step.answer.catch(() => {})
      }
      const current = step
      // A connect gets its full time once; waiting on it again is a check like SELECT 1's.
      const ms = current.kind === 'connect' && !current.waitedBefore ? connectTimeoutMs : timeoutMs
      current.waitedBefore = true
      await within(current.answer, ms, current.kind)
      step = null
      if (current.kind === 'SELECT 1') return
    }
  }

  async function tick() {
    const started = Date.now()
    let failure: Error | undefined
    try {
      await probe()
    } catch (err) {
      failure = err as Error
    }
    if (closed) return
    // Proof of life must be recent: over a long wait (a connect's), answers from its start may
    // predate a freeze. A busy server keeps answering someone; a frozen one answers nobody.
    const answeredRecently = (settings.lastAnswerAt?.() ?? 0) >= Math.max(started, Date.now() - timeoutMs)
    const inconclusive = failure instanceof ProbeTimeout && (failure.late || answeredRecently)
    if (failure && !inconclusive) {
      step = null
      drop()
    }
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
