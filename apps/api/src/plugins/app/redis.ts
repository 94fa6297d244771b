import { Redis, type RedisOptions } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { trackRedisHealth, type RedisHealth } from '../../lib/redis-health.js'
import { commandDeadline } from '../../lib/redis-command-deadline.js'

declare module 'fastify' {
  interface FastifyInstance {
    redis: {
      /** rate limits, auth-failure counters, upload slots: fails fast, never queues commands */
      fast: Redis
      /** BullMQ producer connection (same fail-fast rules; the worker's maintenance sweep retries later) */
      queue: Redis
      health: RedisHealth
    }
  }
}

/**
 * The API's Redis clients fail fast (measured: default ioredis options stall a request 10–70 s
 * when Redis is down): no offline queue, short connect and command timeouts, no per-command
 * retries. The worker's BullMQ connection does the opposite (maxRetriesPerRequest: null).
 */
export function fastFailRedisOptions(): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    // Command deadlines: see COMMAND_DEADLINE_MS and commandDeadline() (not ioredis's
    // commandTimeout, which mistakes our own blocked event loop for a stuck Redis).
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    lazyConnect: false,
  }
}

/**
 * Resolves true once the client is ready, false after `ms`. Not `events.once(client, 'ready')`:
 * that rejects on the first 'error', and a handshake that times out on a loaded box (ioredis
 * then reconnects by itself) would abort the whole boot instead of waiting for the retry.
 */
function readyWithin(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer)
      resolve(true)
    }
    const timer = setTimeout(() => {
      client.off('ready', onReady)
      resolve(false)
    }, ms).unref()
    client.once('ready', onReady)
  })
}

/**
 * A healthy Redis answers in well under a millisecond; 500 ms means stuck, not busy (a loaded
 * 2-core box can stall a reply for tens of milliseconds). A dead Redis fails at once anyway: no
 * offline queue, and the closed socket marks it down immediately. Enqueues (BullMQ's scripts)
 * get longer.
 */
const COMMAND_DEADLINE_MS = { fast: 500, queue: 1_000 }

export default fp(
  async (app: FastifyInstance, options: { keyPrefix?: string }) => {
    // keyPrefix namespaces every counter (rate limits, auth failures, upload slots), so several
    // deployments or test runs can share one Redis without counting against each other.
    const fast = new Redis(app.config.REDIS_URL, { ...fastFailRedisOptions(), keyPrefix: options.keyPrefix ?? 'pf:', connectionName: 'printforge-api' })
    const queue = new Redis(app.config.REDIS_URL, { ...fastFailRedisOptions(), connectionName: 'printforge-api-queue' })
    commandDeadline(fast, COMMAND_DEADLINE_MS.fast)
    commandDeadline(queue, COMMAND_DEADLINE_MS.queue)
    // Writes need both: a write accepted while the enqueue connection is still reconnecting would
    // leave its job to the worker's sweep, a minute later. The trackers also listen for errors
    // (without listeners ioredis logs each retry).
    const fastHealth = trackRedisHealth(fast, 'api', app.log)
    const queueHealth = trackRedisHealth(queue, 'api-queue', app.log)
    const health: RedisHealth = {
      get up() {
        return fastHealth.up && queueHealth.up
      },
      close() {
        fastHealth.close()
        queueHealth.close()
      },
    }
    // Serve only once connected, or knowingly degraded: a first request must not race the
    // connection and be refused as if Redis were down.
    const connected = (await Promise.all([readyWithin(fast, 5_000), readyWithin(queue, 5_000)])).every(Boolean)
    if (!connected) app.log.warn('Redis unreachable at startup: serving reads; writes answer 503 until it connects')
    app.decorate('redis', { fast, queue, health })
    app.addHook('onClose', async () => {
      health.close()
      fast.disconnect()
      queue.disconnect()
    })
  },
  { name: 'redis', dependencies: ['config'] },
)
