import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, describe, test } from 'node:test'
import { testEnvironment } from '@printforge/devstack'
import { Redis } from 'ioredis'
import { commandDeadline } from '../src/lib/redis-command-deadline.ts'
import { fastFailRedisOptions } from '../src/plugins/app/redis.ts'

// CI saw uploads answer 503 on a machine under heavy load: the API's own event loop was blocked
// past the Redis command timeout, and ioredis's timer fired before the waiting reply was read.
const clients: Redis[] = []
/** A fail-fast client (no offline queue) as the API builds it, once connected. */
async function client(deadlineMs: number) {
  const redis = new Redis(testEnvironment().redisUrl, { ...fastFailRedisOptions(), keyPrefix: `pfdl${process.pid}:` })
  commandDeadline(redis, deadlineMs)
  clients.push(redis)
  if (redis.status !== 'ready') await once(redis, 'ready')
  return redis
}
after(() => clients.forEach((c) => c.disconnect()))

function blockEventLoop(ms: number) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // spinning on purpose: a long synchronous task
  }
}

describe('Redis command deadlines read the socket before giving up', () => {
  test('our event loop blocked past the deadline while a healthy Redis answered: the command succeeds', async () => {
    const redis = await client(200)
    const reply = redis.incr('blocked')
    blockEventLoop(500)
    assert.equal(await reply, 1)
  })

  test('a Redis that does not answer still fails the command at its deadline', async () => {
    const [redis, admin] = await Promise.all([client(200), client(5_000)])
    await admin.call('CLIENT', 'PAUSE', '1000', 'ALL')
    const started = Date.now()
    await assert.rejects(redis.get('paused'), /Command timed out/)
    const waited = Date.now() - started
    assert.ok(waited >= 190 && waited < 900, `failed after ${waited} ms`)
  })
})
