import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { farm, session, waitForState, waitUntil } from './helpers.ts'

describe('connection', () => {
  test('connects over verified TLS, subscribes to the report topic and reads state', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    const s = session(t, f, p)
    await waitForState(s, 'online')
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'first report')
    await waitUntil(() => s.firmware !== null, 15_000, 'get_version reply')
    assert.equal(s.productName, 'Bambu Lab P1S')
    assert.equal(p.commands('pushing', 'pushall').length, 1)
  })
})
