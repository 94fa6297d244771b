import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { useApi } from './helper.ts'

const api = useApi()

// Review finding 7: GET /health/ready is public and unauthenticated, and ran a database query, a
// Redis PING and an S3 call for every request: an amplifier anyone could point at us.
describe('GET /health/ready costs a caller nothing (review finding 7)', () => {
  test('a burst of probes causes no database query, no Redis command and no storage call', async () => {
    const calls = { storage: 0, database: 0, redis: 0 }
    const { store, db, redis } = api.app
    const ping = store.ping.bind(store)
    store.ping = () => (calls.storage++, ping())
    const query = db.pool.query.bind(db.pool) as (...args: unknown[]) => unknown
    db.pool.query = ((...args: unknown[]) => (calls.database++, query(...args))) as typeof db.pool.query
    const redisPing = redis.fast.ping.bind(redis.fast)
    redis.fast.ping = ((...args: []) => (calls.redis++, redisPing(...args))) as typeof redis.fast.ping
    try {
      const answers = await Promise.all(Array.from({ length: 100 }, () => api.app.inject({ method: 'GET', url: '/health/ready' })))
      assert.deepEqual([...new Set(answers.map((r) => r.statusCode))], [200])
      assert.deepEqual(answers[0]?.json(), { status: 'ok', checks: { database: true, redis: true, storage: true } })
      assert.deepEqual(calls, { storage: 0, database: 0, redis: 0 })
    } finally {
      store.ping = ping
      db.pool.query = query as typeof db.pool.query
      redis.fast.ping = redisPing
    }
  })
})
