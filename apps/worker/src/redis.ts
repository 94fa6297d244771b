import { Redis } from 'ioredis'
import type { Logger } from '@printforge/logger'

/**
 * The worker's BullMQ connection: `maxRetriesPerRequest: null` so a blocking command survives a
 * Redis restart instead of failing the worker (BullMQ requires it; the API does the opposite).
 */
export function createWorkerRedis(url: string, connectionName: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName })
  // ioredis reconnects on its own; without a listener every retry would be an unhandled 'error'.
  redis.on('error', () => {})
  return redis
}

/**
 * BullMQ keeps jobs as ordinary keys: under any eviction policy but `noeviction`, a full Redis
 * silently drops accepted jobs. Read through INFO (managed Redis often disables CONFIG GET).
 */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const info = await redis.info('memory')
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1]
  if (policy !== 'noeviction') {
    throw new Error(
      `Refusing to start: Redis maxmemory-policy is ${policy ?? 'unknown'}; BullMQ loses jobs unless it is noeviction`,
    )
  }
}

/**
 * Logs each Redis outage once (lost, then back) and runs `onReconnect` when the connection is
 * ready again: a Redis that restarted without its data has lost the job schedulers too. Returns
 * the function that stops watching.
 */
export function watchRedis(redis: Redis, log: Logger, onReconnect: () => Promise<void>): () => void {
  let down = false
  const onClose = () => {
    if (down) return
    down = true
    log.warn({ alert: 'redis_unavailable' }, 'Redis connection lost: running jobs go on, new ones wait; reconnecting')
  }
  const onReady = () => {
    if (!down) return
    down = false
    log.info({ alert: 'redis_recovered' }, 'Redis connection back')
    onReconnect().catch((err: Error) => log.error({ err: err.message }, 'after the Redis reconnect'))
  }
  redis.on('close', onClose)
  redis.on('ready', onReady)
  // Returned for shutdown: closing the connection on purpose is not an outage.
  return () => {
    redis.off('close', onClose)
    redis.off('ready', onReady)
  }
}
