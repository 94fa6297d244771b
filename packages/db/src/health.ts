import pg from 'pg'

export interface HealthSettings {
  /** How often the probe runs (default 200 ms). */
  intervalMs?: number
  /**
   * How long a probe may take, connecting included, before the database counts as down (default
   * 500 ms: a local `SELECT 1` that takes half a second is a stalled server, not a busy one).
   */
  timeoutMs?: number
  /** Told once per change, e.g. to log the outage and the recovery. */
  onChange?: (up: boolean, cause?: Error) => void
}

export interface DatabaseHealth {
  /** False from the first failed probe until the next one that succeeds. */
  readonly up: boolean
  close(): Promise<void>
}

/**
 * Watches the database with `SELECT 1` on a connection of its own (so an exhausted pool is not
 * mistaken for an outage, and an outage is seen even when no request is running). A dead server
 * refuses at once; a frozen one is caught by the timeout. While it reports down, the pool refuses
 * new work at once (503 in a millisecond instead of a hang), and `onDown` cuts the connections
 * requests were already waiting on.
 */
export function watchDatabase(config: pg.ClientConfig, settings: HealthSettings & { onDown?: () => void } = {}): DatabaseHealth {
  const intervalMs = settings.intervalMs ?? 200
  const timeoutMs = settings.timeoutMs ?? 500
  let up = true
  let closed = false
  let client: pg.Client | null = null
  let timer: NodeJS.Timeout | undefined

  const drop = () => {
    const c = client
    client = null
    if (c) {
      c.on('error', () => {})
      // destroy, not end(): a frozen server would never acknowledge a polite goodbye.
      ;(c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
    }
  }

  async function probeOnce(): Promise<void> {
    if (!client) {
      const c = new pg.Client({ ...config, connectionTimeoutMillis: timeoutMs, application_name: 'printforge-health' })
      c.on('error', () => {})
      client = c
      await c.connect()
    }
    await client.query('SELECT 1')
  }

  async function tick() {
    let failure: Error | undefined
    let deadline: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        probeOnce(),
        new Promise((_, reject) => (deadline = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ])
    } catch (err) {
      failure = err as Error
      drop()
    } finally {
      clearTimeout(deadline)
    }
    if (closed) return
    const nowUp = failure === undefined
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
