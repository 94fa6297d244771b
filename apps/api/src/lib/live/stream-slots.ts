import type { Redis } from 'ioredis'

/**
 * Takes a slot in the actor's sorted set (member = stream id, score = last heartbeat, Redis's own
 * clock so instances' clocks never disagree), after dropping members whose heartbeat is older than
 * the stale window (a crashed instance's streams). Atomic: two instances cannot both take the
 * last slot. Returns 1 when taken, 0 when the actor already holds `max`.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stale = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - stale)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], stale)
return 1
`

/** Moves the stream's heartbeat to now (re-adding it if Redis lost it) and keeps the set alive. */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`

type SlotRedis = Redis & {
  liveSlotAcquire(key: string, staleMs: number, max: number, member: string): Promise<number>
  liveSlotHeartbeat(key: string, staleMs: number, member: string): Promise<number>
}

export interface StreamSlots {
  /** True when the stream got a slot; false when the actor is at the cap. Throws when Redis is down. */
  acquire(actorKey: string, streamId: string): Promise<boolean>
  heartbeat(actorKey: string, streamId: string): Promise<void>
  release(actorKey: string, streamId: string): Promise<void>
}

/**
 * docs/console.md "Limits": at most `max` open streams per person across every API instance. A
 * stream heartbeats every `heartbeatMs`; a member three heartbeats old is stale and no longer counts.
 */
export function createStreamSlots(redis: Redis, max: number, heartbeatMs: number): StreamSlots {
  const client = redis as SlotRedis
  if (typeof client.liveSlotAcquire !== 'function') {
    redis.defineCommand('liveSlotAcquire', { numberOfKeys: 1, lua: ACQUIRE })
    redis.defineCommand('liveSlotHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT })
  }
  const staleMs = heartbeatMs * 3
  const keyOf = (actorKey: string) => `live-streams:${actorKey}`
  return {
    acquire: async (actorKey, streamId) => (await client.liveSlotAcquire(keyOf(actorKey), staleMs, max, streamId)) === 1,
    heartbeat: async (actorKey, streamId) => {
      await client.liveSlotHeartbeat(keyOf(actorKey), staleMs, streamId)
    },
    release: async (actorKey, streamId) => {
      await client.zrem(keyOf(actorKey), streamId)
    },
  }
}
