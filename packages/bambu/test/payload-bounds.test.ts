// What a printer (or whoever holds its broker) sends cannot make us hold unbounded memory: an
// oversized MQTT packet drops the connection before it is buffered, and a flood of new keys,
// nesting, arrays and strings leaves the merged state within its caps.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DEFAULT_STATE_LIMITS } from '../src/bounded-state.ts'
import { assertWithin, capturingLogger, farm, session, waitUntil } from './helpers.ts'

const MiB = 1024 * 1024
const report = (fields: Record<string, unknown>) => JSON.stringify({ print: { command: 'push_status', msg: 1, ...fields } })

describe('payload bounds', () => {
  test('a 100 MB PUBLISH drops the connection after its header, is counted and logged; the session reconnects', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    const log = capturingLogger()
    const s = session(t, f, p, { logger: log })
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    // Without the bound the client reads all 64 MiB offered (and would wait for the rest).
    const sent = await p.sendOversizedPacket(100 * MiB, 64 * MiB)
    assert.ok(sent.closedByClient, `the client kept reading: ${sent.accepted} bytes`)
    // Socket buffers on both sides take some MiB before the close is seen; nowhere near 64.
    assert.ok(sent.accepted < 8 * MiB, `accepted ${sent.accepted} bytes`)
    assert.equal(s.stats.oversizedPackets, 1)
    assert.ok(log.lines.some((l) => l.includes('oversized MQTT packet') && l.includes(`"declaredBytes":${100 * MiB}`)), 'logged with its size')
    await waitUntil(() => p.connections === 2 && s.state === 'online', 20_000, 'reconnected')
    const reports = s.stats.reports
    await waitUntil(() => s.stats.reports > reports, 15_000, 'reports flowing again')
  })

  test('a report over maxMessageBytes is dropped and the connection kept; a packet over maxPacketBytes drops it', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    const s = session(t, f, p, { maxMessageBytes: 64 * 1024, maxPacketBytes: 256 * 1024 })
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.injectRaw(report({ pad: 'x'.repeat(200 * 1024) }))
    await waitUntil(() => s.stats.oversized === 1, 15_000, 'message dropped')
    assert.equal(s.stats.oversizedPackets, 0)
    assert.equal(p.connections, 1)
    p.injectRaw(report({ pad: 'x'.repeat(300 * 1024) }))
    await waitUntil(() => s.stats.oversizedPackets === 1, 15_000, 'connection dropped')
    assert.equal(s.stats.oversized, 1, 'the packet never reached the message check')
    await waitUntil(() => p.connections === 2 && s.state === 'online', 20_000, 'reconnected')
  })

  test('a flood of new keys, deep nesting, long arrays and strings: the state stays within every cap, real fields still update', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    const before = s.stats.reports
    let deep: unknown = 'bottom'
    for (let i = 0; i < 12; i++) deep = { [`level${i}`]: deep }
    const many = (n: number, prefix: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `value-${prefix}-${i}`]))
    // Order matters only for what is kept, not for the bounds: the first report fills the
    // top-level keys, the next ones grow one nested object until the size budget stops them.
    p.injectRaw(report({ blob: {}, huge: 'x'.repeat(100_000), long: Array.from({ length: 10_000 }, (_, i) => i), deep, ...many(400, 'top') }))
    for (let i = 0; i < 50; i++) p.injectRaw(report({ blob: { [`part${i}`]: many(400, `p${i}k`) } }))
    await waitUntil(() => s.stats.reports >= before + 51, 20_000, 'flood merged')
    const state = s.rawPrint
    assertWithin(state, DEFAULT_STATE_LIMITS)
    assert.ok(JSON.stringify(state).length <= DEFAULT_STATE_LIMITS.maxTotalLength, `state is ${JSON.stringify(state).length} characters`)
    assert.equal(Object.keys(state).length, DEFAULT_STATE_LIMITS.maxKeys)
    assert.equal(state.huge, undefined)
    assert.equal((state.long as unknown[]).length, DEFAULT_STATE_LIMITS.maxArrayLength)
    assert.ok(s.stats.capped > 400, `capped ${s.stats.capped}`)
    assert.equal(s.state, 'online')
    p.failPrint('0300_0100_0001_0007', 117473286)
    const st = await s.waitForStatus((x) => x.gcodeState === 'FAILED', 15_000)
    assert.equal(st.printError, '0700_8006')
  })
})
