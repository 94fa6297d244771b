import { AppError } from '@printforge/errors'
import type { Redis } from 'ioredis'

/** docs/product.md §3: at most 2 uploads in flight per actor, across every API instance. */
export const MAX_UPLOADS_IN_FLIGHT = 2

/**
 * Takes an upload slot in Redis, or refuses with 429. The key expires on its own, so a crashed
 * instance cannot hold slots forever. Returns the release function (call it exactly once).
 */
export async function acquireUploadSlot(redis: Redis, actorKey: string): Promise<() => Promise<void>> {
  const key = `pf-uploads:${actorKey}`
  const [[, count]] = (await redis.multi().incr(key).expire(key, 900).exec()) as [[null, number], [null, number]]
  if (count > MAX_UPLOADS_IN_FLIGHT) {
    await redis.decr(key).catch(() => {})
    throw new AppError('RATE_LIMITED', `At most ${MAX_UPLOADS_IN_FLIGHT} uploads may be in flight at once.`)
  }
  let released = false
  return async () => {
    if (released) return
    released = true
    await redis.decr(key).catch(() => {})
  }
}
