// The authentication lookups' cache (people's standing and API keys share it): the rules that make
// a revocation take effect within the TTL and at once where it was made.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLookupCache } from '../src/lib/lookup-cache.ts'

test('concurrent misses share one lookup; a hit within the TTL reads nothing', async () => {
  let loads = 0
  const cache = createLookupCache(60_000, async (key) => (loads++, `value of ${key}`))
  const [a, b] = await Promise.all([cache.get('k'), cache.get('k')])
  assert.equal(a, 'value of k')
  assert.equal(b, a)
  await cache.get('k')
  assert.equal(loads, 1)
})

test('forget makes the next request read again (the instance that revoked)', async () => {
  let loads = 0
  const cache = createLookupCache(60_000, async () => ++loads)
  assert.equal(await cache.get('k'), 1)
  cache.forget('k')
  assert.equal(await cache.get('k'), 2)
})

test('a failed lookup is not cached, and an entry expires TTL after its lookup started', async () => {
  let fail = true
  let loads = 0
  const cache = createLookupCache(30, async () => {
    loads++
    if (fail) throw new Error('database down')
    return loads
  })
  await assert.rejects(cache.get('k'), /database down/)
  fail = false
  assert.equal(await cache.get('k'), 2)
  // A slow lookup (longer than the TTL) is stale as soon as it answers.
  const slow = createLookupCache(30, async () => (await new Promise((r) => setTimeout(r, 50)), ++loads))
  const first = await slow.get('k')
  assert.notEqual(await slow.get('k'), first)
})
