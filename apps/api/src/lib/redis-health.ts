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

/**
 * Tracks whether a Redis client can serve commands: down on a closed connection or a timed-out
 * command (a frozen server keeps the socket open), up again on the next successful PING.
 * Logs once per outage, not once per request (PRODUCT §3: "says so in the log").
 */
export function trackRedisHealth(client: Redis, name: string, log: Logger): RedisHealth {
  let up = client.status === 'ready'
  let probe: NodeJS.Timeout | undefined
  const markDown = (reason: string) => {
    if (!up) return
    up = false
    log.warn({ redis: name, reason }, `Redis (${name}) unreachable: writes answer 503, reads are not rate-limited, enqueues wait for the sweeper`)
    probe ??= setInterval(() => {
      client.ping().then(() => markUp(), () => {})
    }, 1_000).unref()
  }
  const markUp = () => {
    if (probe) clearInterval(probe)
    probe = undefined
    if (up) return
    up = true
    log.info({ redis: name }, `Redis (${name}) is reachable again`)
  }
  client.on('ready', markUp)
  client.on('close', () => markDown('connection closed'))
  client.on('error', (err: Error) => markDown(err.message))
  // A command that times out on an open socket means a stuck server: ioredis emits no event for
  // it, so watch each command's outcome.
  const send = client.sendCommand.bind(client)
  client.sendCommand = ((command: { promise: Promise<unknown> }, stream?: unknown) => {
    const result = send(command as never, stream as never)
    command.promise.catch((err: Error) => {
      if (/timed? ?out|writeable|Connection is closed/i.test(err.message)) markDown(err.message)
    })
    return result
  }) as typeof client.sendCommand
  return {
    get up() {
      return up
    },
    close: () => probe && clearInterval(probe),
  }
}
