// A wrong access code is its own state, retried slowly (a storm of logins could lock a printer's
// tiny broker up), and the access code never appears in logs.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { capturingLogger, farm, session, sleep, waitForState, waitUntil } from './helpers.ts'

describe('access code', () => {
  test('a wrong access code is auth_failed, without a retry storm', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S', accessCode: '12345678' }] })
    const p = f.printers[0]!
    const s = session(t, f, p, { accessCode: '87654321', backoff: { initialMs: 20, maxMs: 50 } })
    await waitForState(s, 'auth_failed')
    await sleep(1500)
    assert.equal(p.authAttempts, 1, 'exactly one login attempt while the code is wrong')
    assert.equal(s.state, 'auth_failed')
  })

  test('auth_failed retries after authRetryMs and recovers when the code becomes right', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C', accessCode: '12345678' }] })
    const p = f.printers[0]!
    const s = session(t, f, p, { accessCode: '00000000', authRetryMs: 400 })
    await waitForState(s, 'auth_failed')
    await waitUntil(() => p.authAttempts >= 2, 10_000, 'a second, delayed attempt')
    assert.equal(s.state === 'auth_failed' || s.state === 'connecting', true)
  })

  test('logs never contain the access code', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S', accessCode: '31415926' }, { model: 'X1C', accessCode: '27182818' }] })
    const [good, bad] = f.printers as [typeof f.printers[0] & object, typeof f.printers[0] & object]
    const log = capturingLogger()
    const ok = session(t, f, good, { logger: log })
    const wrong = session(t, f, bad, { logger: log, accessCode: '99999999' })
    await waitForState(ok, 'online')
    await waitForState(wrong, 'auth_failed')
    await ok.setLight({ node: 'chamber_light', mode: 'off' })
    await ok.close()
    assert.ok(log.lines.length >= 4, 'the scenario produced log lines')
    for (const code of ['31415926', '27182818', '99999999']) {
      assert.ok(!log.lines.some((l) => l.includes(code)), `access code ${code} leaked into logs`)
    }
  })
})
