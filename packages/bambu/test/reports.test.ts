// Reports are untrusted input: deltas merge into one state; garbage, giants and other printers'
// topics are dropped and counted without touching that state.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { farm, session, sleep, waitForState, waitUntil } from './helpers.ts'

describe('reports', () => {
  test('P1S deltas merge into a full state (fields absent from deltas are kept)', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE' && s.stats.reports >= 4, 15_000, 'several delta reports')
    // After the pushall, the sim sends deltas only: wifi_signal appears only in the full report.
    assert.equal(s.rawPrint.wifi_signal, '-44dBm')
    assert.equal(s.rawPrint.msg, 1, 'the latest report was a delta')
    const st = s.status
    assert.deepEqual(st.bed, { current: 25, target: 0 })
    assert.equal(st.nozzles.length, 1)
    assert.equal(st.printError, null)
    assert.deepEqual(st.lights, { chamber_light: 'on', work_light: 'off' })
  })

  test('X1C full reports and H2D packed temperatures map to the same status model', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }, { model: 'H2D' }] })
    const [x1, h2] = f.printers as [NonNullable<(typeof f.printers)[0]>, NonNullable<(typeof f.printers)[0]>]
    const sx = session(t, f, x1)
    const sh = session(t, f, h2)
    await waitUntil(() => sx.status.gcodeState === 'IDLE' && sh.status.gcodeState === 'IDLE', 15_000, 'both idle')
    assert.equal(sx.rawPrint.msg, 0)
    assert.equal(sx.status.chamber, 25)
    assert.equal(sh.rawPrint.nozzle_temper, undefined, 'H2D sends no flat temperatures')
    assert.deepEqual(sh.status.nozzles.map((n) => n.id), [0, 1])
    assert.deepEqual(sh.status.bed, { current: 25, target: 0 })
    assert.equal(sh.status.chamber, 25)
  })

  test('malformed and oversized payloads are dropped and counted, never applied', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    const s = session(t, f, p, { maxMessageBytes: 64 * 1024 })
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    const evil = { print: { command: 'push_status', gcode_state: 'FAILED', print_error: 117473286 } }
    p.injectRaw('{"print": {"command": "push_status", "gcode_state": "FAILED"')
    p.injectRaw('[1,2,3]')
    p.injectRaw(Buffer.from([0xff, 0xfe, 0x00]))
    p.injectRaw(JSON.stringify({ print: { command: 'push_status', gcode_state: 'FAILED', deep: JSON.parse('['.repeat(40) + ']'.repeat(40)) } }))
    p.injectRaw(JSON.stringify({ ...evil, print: { ...evil.print, pad: 'x'.repeat(200 * 1024) } }))
    await waitUntil(() => s.stats.malformed >= 4 && s.stats.oversized >= 1, 15_000, 'drops counted')
    await sleep(300)
    assert.equal(s.status.gcodeState, 'IDLE')
    assert.equal(s.status.printError, null)
    assert.equal(s.state, 'online')
  })

  test("a report on another serial's topic is ignored", async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.injectRaw(JSON.stringify({ print: { command: 'push_status', gcode_state: 'FAILED', print_error: 117473286 } }), 'device/00M09A999999999/report')
    await waitUntil(() => s.stats.foreignTopic === 1, 15_000, 'foreign report counted')
    await sleep(300)
    assert.equal(s.status.gcodeState, 'IDLE')
    assert.equal(s.status.printError, null)
  })

  test('a hostile report cannot pollute prototypes through the merge', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    const s = session(t, f, p)
    await waitForState(s, 'online')
    p.injectRaw('{"print":{"command":"push_status","__proto__":{"polluted":true},"upgrade_state":{"__proto__":{"polluted":true}}}}')
    await waitUntil(() => s.stats.reports >= 3, 15_000, 'report merged')
    await sleep(200)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(Object.getPrototypeOf(s.rawPrint), null)
  })

  test('print_error and HMS from a failed print are rendered with severity and text', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.failPrint('0300_0100_0001_0007', 117473286)
    const st = await s.waitForStatus((x) => x.gcodeState === 'FAILED', 15_000)
    assert.equal(st.printError, '0700_8006')
    assert.deepEqual(st.hms, [{ code: '0300_0100_0001_0007', severity: 'fatal', module: 3, text: 'The heatbed temperature is abnormal; the sensor may have an open circuit.' }])
  })
})
