import { Redis } from 'ioredis'

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
