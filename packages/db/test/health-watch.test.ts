import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import pg from 'pg'
import { watchDatabase } from '../src/index.ts'
import { useDatabase } from './helpers.ts'

// CI saw an idle API answer 503 for a few hundred milliseconds right after boot: the health probe's
// connect ran while the test process's event loop was busy, pg's own connect timer fired before the
// socket was read, and "connection timed out" passed for "connection refused" (an outage at once).
const fx = useDatabase()

/** Busy-waits: what a long synchronous task (schema compilation, a big JSON.parse) does to the loop. */
function blockEventLoop(ms: number) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // spinning on purpose
  }
}

const isProbe = (client: pg.Client) => (client as unknown as { connectionParameters: { application_name?: string } }).connectionParameters.application_name === 'printforge-health'
const originalConnect = pg.Client.prototype.connect
const originalQuery = pg.Client.prototype.query
afterEach(() => {
  pg.Client.prototype.connect = originalConnect
  pg.Client.prototype.query = originalQuery
})

/**
 * Blocks the loop right after the probe's first `connect` or `query` is under way and its timers
 * are armed (a microtask: it runs once the caller's synchronous code, which arms them, is done).
 */
function blockAfterProbe(method: 'connect' | 'query', ms: number) {
  let blocked = 0
  const original = method === 'connect' ? originalConnect : originalQuery
  const patched = function (this: pg.Client, ...args: unknown[]) {
    const result = (original as (...a: unknown[]) => unknown).apply(this, args)
    if (isProbe(this) && blocked++ === 0) queueMicrotask(() => blockEventLoop(ms))
    return result
  }
  if (method === 'connect') pg.Client.prototype.connect = patched as typeof originalConnect
  else pg.Client.prototype.query = patched as typeof originalQuery
  return () => blocked > 0
}

async function watchFor(ms: number, settings: { timeoutMs: number; connectTimeoutMs: number }) {
  const changes: boolean[] = []
  const health = watchDatabase({ connectionString: fx.database.appUrl }, { intervalMs: 20, ...settings, onChange: (up) => changes.push(up) })
  await new Promise((r) => setTimeout(r, ms))
  await health.close()
  return changes
}

describe('a busy event loop in our own process is not a database outage', () => {
  test('blocked while the probe connects, past its connect timeout: the database stays up', async () => {
    const blocked = blockAfterProbe('connect', 600)
    const changes = await watchFor(1_500, { timeoutMs: 1_000, connectTimeoutMs: 200 })
    assert.ok(blocked(), 'the probe connected while the loop was blocked')
    assert.deepEqual(changes, [], 'no outage reported')
  })

  test('blocked while SELECT 1 is answered, a little past its timeout (not late enough to be called late): still up', async () => {
    const blocked = blockAfterProbe('query', 350)
    const changes = await watchFor(1_500, { timeoutMs: 300, connectTimeoutMs: 3_000 })
    assert.ok(blocked())
    assert.deepEqual(changes, [], 'the answer that arrived in time was read before the verdict')
  })
})
