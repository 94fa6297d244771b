// A frozen printer stalls its broker (no PUBACK, no answer): send() still ends within its one
// deadline and always with a typed BambuCommandError, and nothing is ever re-sent.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { BambuCommandError } from '../src/errors.ts'
import { farm, session, sleep, waitUntil } from './helpers.ts'

/** How long `promise` takes to reject, and with what. */
async function rejection(promise: Promise<unknown>): Promise<{ ms: number; err: unknown }> {
  const started = Date.now()
  try {
    await promise
  } catch (err) {
    return { ms: Date.now() - started, err }
  }
  throw new Error('resolved')
}

describe('a frozen printer', () => {
  test('no PUBACK: send() rejects ACK_TIMEOUT at the ack deadline, acked or not, and is not re-sent', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    const s = session(t, f, p, { ackTimeoutMs: 1_500 })
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.freeze()
    // Acknowledged (JSON answer expected) and fire-and-forget (PUBACK only) commands alike.
    const [acked, unacked] = await Promise.all([rejection(s.setLight({ node: 'work_light', mode: 'on' })), rejection(s.pushall())])
    for (const { ms, err } of [acked, unacked]) {
      assert.ok(err instanceof BambuCommandError, `typed, got ${String(err)}`)
      assert.equal(err.code, 'ACK_TIMEOUT')
      assert.ok(ms >= 1_400 && ms < 2_500, `rejected after ${ms} ms, deadline 1500 ms`)
    }
    assert.match((unacked.err as Error).message, /no PUBACK/)
    p.thaw()
    await sleep(500)
    assert.equal(p.commands('system', 'ledctrl').length, 1, 'delivered once, never again')
  })

  test('the default deadline is 10 s, not the ~45 s keepalive', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    const s = session(t, f, p, { ackTimeoutMs: undefined })
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.freeze()
    const { ms, err } = await rejection(s.setLight({ node: 'chamber_light', mode: 'off' }))
    assert.ok(err instanceof BambuCommandError && err.code === 'ACK_TIMEOUT', String(err))
    assert.ok(ms >= 9_900 && ms < 11_000, `rejected after ${ms} ms`)
  })

  test('the link dies before the PUBACK: CONNECTION_LOST at once, typed; the command is not replayed by the next session', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    await p.putFile('job.gcode.3mf', Buffer.alloc(1024, 7))
    const s = session(t, f, p, { ackTimeoutMs: 10_000 })
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.freeze({ dropAfterMs: 700 })
    const { ms, err } = await rejection(s.startProjectFile({ remotePath: 'job.gcode.3mf', subtaskName: 'bracket', taskId: 4711 }))
    assert.ok(err instanceof BambuCommandError, `typed, got ${String(err)}`)
    assert.equal(err.code, 'CONNECTION_LOST')
    assert.ok(ms < 3_000, `rejected after ${ms} ms, when the link dropped`)
    // The printer got it; the state says so once the session is back.
    await s.waitForStatus((x) => x.taskId === '4711' && x.gcodeState !== 'IDLE', 20_000)
    await sleep(1_000)
    assert.equal(p.commands('print', 'project_file').length, 1, 'the print command reached the printer exactly once')
    assert.equal(p.clientStats.extraClients, 0, 'never two sessions')
  })

  test('closing the session with a command in flight rejects it CLOSED, typed', async (t) => {
    const f = await farm(t, { printers: [{ model: 'A1' }] })
    const p = f.printers[0]!
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.freeze()
    const pending = rejection(s.pushall())
    await sleep(200)
    await s.close()
    const { ms, err } = await pending
    assert.ok(err instanceof BambuCommandError && err.code === 'CLOSED', String(err))
    assert.ok(ms < 1_000)
  })
})
