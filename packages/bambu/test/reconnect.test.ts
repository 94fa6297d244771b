// Sessions heal themselves: a dropped connection reconnects and re-reads state (never replaying a
// command), refused connections back off, and a silent printer is nudged then reconnected.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { farm, session, sleep, waitForState, waitUntil } from './helpers.ts'

describe('reconnect and watchdog', () => {
  test('a dropped connection mid-print reconnects and re-reads state without re-sending commands', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }], speed: 5 })
    const p = f.printers[0]!
    await p.putFile('job.gcode.3mf', Buffer.alloc(1024, 7))
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    await s.startProjectFile({ remotePath: 'job.gcode.3mf', subtaskName: 'bracket' })
    await s.waitForStatus((x) => x.gcodeState === 'RUNNING', 20_000)
    const pushallsBefore = p.commands('pushing', 'pushall').length
    p.dropConnections()
    await waitUntil(() => p.connections === 2 && s.state === 'online', 20_000, 'reconnected')
    await waitUntil(() => p.commands('pushing', 'pushall').length > pushallsBefore, 15_000, 'pushall after reconnect')
    await s.waitForStatus((x) => x.gcodeState === 'RUNNING' && x.subtaskName === 'bracket', 15_000)
    await sleep(500)
    assert.equal(p.commands('print', 'project_file').length, 1, 'project_file was sent exactly once')
    const controls = p.requests.filter((r) => r.message?.print !== undefined)
    assert.equal(controls.length, 1, 'no print command was replayed')
  })

  test('a command in flight when the connection drops fails with CONNECTION_LOST and is not replayed', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.stall(true) // the printer stops answering (acks included) until a new session arrives
    const pending = s.setLight({ node: 'work_light', mode: 'on' })
    await waitUntil(() => p.commands('system', 'ledctrl').length === 1, 10_000, 'ledctrl received')
    p.dropConnections()
    await assert.rejects(pending, { name: 'BambuCommandError', code: 'CONNECTION_LOST' })
    await waitUntil(() => p.connections === 2 && s.state === 'online', 20_000, 'reconnected')
    await sleep(500)
    assert.equal(p.commands('system', 'ledctrl').length, 1)
  })

  test('refused connections are retried with capped exponential backoff', async (t) => {
    const f = await farm(t, { printers: [{ model: 'A1' }] })
    const p = f.printers[0]!
    p.setRefuseConnections(true)
    const s = session(t, f, p, { backoff: { initialMs: 100, maxMs: 400 } })
    await sleep(3000)
    const attempts = s.stats.connectAttempts
    // Backoff: ≥50, ≥100, ≥200, then ≤400 each → at most ~15 in 3 s; a loop without backoff makes hundreds.
    assert.ok(attempts >= 3 && attempts <= 20, `attempts in 3 s: ${attempts}`)
    assert.equal(s.state === 'offline' || s.state === 'connecting', true)
    p.setRefuseConnections(false)
    await waitForState(s, 'online')
  })

  test('a silent stall triggers the watchdog: pushall first, then a reconnect', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    const s = session(t, f, p, { watchdogMs: 1500, watchdogGraceMs: 1000 })
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    assert.equal(p.commands('pushing', 'pushall').length, 1)
    p.stall(true)
    await waitUntil(() => p.commands('pushing', 'pushall').length >= 2, 15_000, 'watchdog pushall')
    assert.equal(p.connections, 1, 'pushall comes before any reconnect')
    await waitUntil(() => p.connections >= 2, 15_000, 'watchdog reconnect')
    await waitForState(s, 'online')
    const reports = s.stats.reports
    await waitUntil(() => s.stats.reports > reports, 15_000, 'reports flowing again')
  })

  test('a stall that pushall cures does not cost a reconnect', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    const s = session(t, f, p, { watchdogMs: 1500, watchdogGraceMs: 60_000 })
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.stall(false)
    await waitUntil(() => p.commands('pushing', 'pushall').length >= 2, 15_000, 'watchdog pushall')
    p.unstall()
    await sleep(1000)
    assert.equal(p.connections, 1)
    assert.equal(s.state, 'online')
  })
})
