import type { Redis } from 'ioredis'

export interface RedisHealth {
  /** false from the first failure until Redis answers again */
  readonly up: boolean
  close(): void
}

interface Logger {
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

/** Consecutive command timeouts that mean "stuck server" rather than one slow reply under load. */
const TIMEOUTS_FOR_OUTAGE = 3

/**
 * Tracks whether a Redis client can serve commands: down at once on a closed connection (a killed
 * or restarting server), down after consecutive command timeouts (a frozen server keeps the socket
 * open), up again on the next successful PING. Logs once per outage, not once per request
 * (docs/product.md §3: "says so in the log").
 */
export function trackRedisHealth(client: Redis, name: string, log: Logger): RedisHealth {
  let up = client.status === 'ready'
  let probe: NodeJS.Timeout | undefined
  let timeouts = 0
  let outage = false
  const markDown = (reason: string) => {
    if (!up) return
    up = false
    outage = true
    log.warn({ alert: 'redis_unavailable', redis: name, reason }, `Redis (${name}) unreachable: writes answer 503, reads are not rate-limited, enqueues wait for the worker's sweep`)
    probe ??= setInterval(() => {
      client.ping().then(() => markUp(), () => {})
    }, 1_000).unref()
  }
  const markUp = () => {
    timeouts = 0
    if (probe) clearInterval(probe)
    probe = undefined
    if (up) return
    up = true
    if (outage) log.info({ alert: 'redis_recovered', redis: name }, `Redis (${name}) is reachable again`)
    outage = false
  }
  // Timeouts can also mean our own event loop was blocked (a busy boot compiling schemas): the
  // replies were there, we were late to read them. A PING sent now tells the two apart.
  const confirmStuck = () => {
    client.ping().then(
      () => (timeouts = 0),
      (err: Error) => markDown(`${TIMEOUTS_FOR_OUTAGE} commands and a PING timed out (${err.message})`),
    )
  }
  client.on('ready', markUp)
  client.on('close', () => markDown('connection closed'))
  client.on('error', (err: Error) => markDown(err.message))
  // A command that times out on an open socket means a stuck server: ioredis emits no event for
  // it, so watch each command's outcome.
  const send = client.sendCommand.bind(client)
  client.sendCommand = ((command: { promise: Promise<unknown> }, stream?: unknown) => {
    const result = send(command as never, stream as never)
    command.promise.then(
      () => (timeouts = 0),
      (err: Error) => {
        if (/writeable|Connection is closed/i.test(err.message)) markDown(err.message)
        else if (/timed? ?out/i.test(err.message) && ++timeouts === TIMEOUTS_FOR_OUTAGE) confirmStuck()
      },
    )
    return result
  }) as typeof client.sendCommand
  return {
    get up() {
      return up
    },
    close: () => probe && clearInterval(probe),
  }
}

/**
 * An error of a fail-fast Redis client that means "Redis is unreachable right now" (closed or
 * reconnecting connection, no offline queue, a command that timed out): the request answers 503,
 * like every write does once the outage is known.
 */
export function isRedisUnavailable(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | null
  if (e?.name === 'MaxRetriesPerRequestError') return true
  return /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command timed out|ECONNREFUSED|ECONNRESET/.test(String(e?.message))
}
