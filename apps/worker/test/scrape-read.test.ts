import assert from 'node:assert/strict'
import { test } from 'node:test'
import { perScrape, readWithin } from '../src/metrics/scrape-read.ts'

// A scrape answers even when a dependency does not (src/metrics/scrape-read.ts).

test('a read that never answers gives up at its deadline; one that fails gives undefined', async (t) => {
  // The deadline's timer is unref'd (it must not hold a stopping worker open): keep this test's loop alive.
  const alive = setInterval(() => {}, 1_000)
  t.after(() => clearInterval(alive))
  const started = Date.now()
  assert.equal(await readWithin(() => new Promise<number>(() => {}), 50), undefined)
  const waited = Date.now() - started
  assert.ok(waited >= 45 && waited < 2_000, `waited ${waited} ms`)
  assert.equal(await readWithin(() => Promise.reject(new Error('redis down')), 50), undefined)
  assert.equal(await readWithin(async () => 7, 50), 7)
})

test('collectors of one scrape share one computation; the next scrape computes again', async () => {
  let runs = 0
  const shared = perScrape(async () => {
    runs += 1
    await new Promise((r) => setTimeout(r, 10))
    return runs
  })
  assert.deepEqual(await Promise.all([shared(), shared(), shared()]), [1, 1, 1])
  assert.equal(await shared(), 2)
})
