import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { useApi } from './helper.ts'

// Limits no test process stays under while the test provokes them: a loop blocked for 200 ms at a
// time lags far more than 50 ms on average, and no test process has a heap of only 16 MiB.
const busy = useApi({ PRESSURE_MAX_EVENT_LOOP_DELAY_MS: 50 })
const heavy = useApi({ PRESSURE_MAX_HEAP_USED_BYTES: 16 * 1024 ** 2 })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Holds the event loop synchronously, as a CPU-bound request would. */
const blockLoop = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** Retries `attempt` until `done` accepts its answer (the plugin samples once a second). */
async function until(attempt: () => Promise<LightMyRequestResponse>, done: (res: LightMyRequestResponse) => boolean, tries = 40) {
  for (let i = 0; i < tries; i++) {
    const res = await attempt()
    if (done(res)) return res
    await sleep(200)
  }
  assert.fail('the expected answer never came')
}

function assertShed(res: LightMyRequestResponse) {
  assert.equal(res.statusCode, 503, res.body)
  const body = res.json()
  assert.deepEqual(Object.keys(body.error), ['code', 'message', 'requestId'])
  assert.equal(body.error.code, 'UNAVAILABLE')
  assert.equal(res.headers['retry-after'], '5')
  // Refused at onRequest, yet with the headers every answer gets.
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  assert.equal(res.headers['cache-control'], 'no-store')
}

describe('load shedding (@fastify/under-pressure)', () => {
  test('a lagging event loop: normal routes answer 503 with Retry-After; the health probes still answer 200', async () => {
    const { auth } = busy.customer()
    const probe = () =>
      Promise.all(['/me', '/health', '/health/ready'].map((url) => busy.app.inject({ method: 'GET', url, headers: auth })))
    let answers: LightMyRequestResponse[] | undefined
    for (let i = 0; i < 40 && answers?.[0]?.statusCode !== 503; i++) {
      blockLoop(200)
      answers = await probe()
    }
    const [me, health, ready] = answers ?? []
    assertShed(me!)
    assert.deepEqual(health?.json(), { status: 'ok' })
    assert.equal(ready?.statusCode, 200, ready?.body)
    assert.equal(ready?.json().status, 'ok')
    // Once the loop keeps up again, so does the API.
    await until(() => busy.app.inject({ method: 'GET', url: '/me', headers: auth }), (res) => res.statusCode === 200)
  })

  test('a heap over its limit: every request but the health probes is refused, unknown routes included', async () => {
    const { auth } = heavy.customer()
    assertShed(await until(() => heavy.app.inject({ method: 'GET', url: '/me', headers: auth }), (res) => res.statusCode !== 200))
    assertShed(await heavy.app.inject({ method: 'GET', url: '/' }))
    assertShed(await heavy.app.inject({ method: 'GET', url: '/no-such-route' }))
    assert.equal((await heavy.app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
    assert.equal((await heavy.app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
  })
})
