// AMS trays are untrusted report fields (docs/bambu-protocol.md §3.6): typed and bounded, empty
// slots kept as empty, garbage left out; and a session sees the trays a printer loads.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { amsTrays } from '../src/ams.ts'
import { farm, session, waitUntil } from './helpers.ts'

describe('AMS trays', () => {
  test('units, trays, the external spool; empty slots have no type; remain -1 is unknown', () => {
    const trays = amsTrays({
      ams: { ams: [{ id: '0', tray: [{ id: '0', tray_type: 'PLA', tray_color: 'ffffffff', remain: 80 }, { id: '1' }] }, { id: '128', tray: [{ id: '0', tray_type: 'PETG', tray_color: '000000FF', remain: '-1' }] }] },
      vt_tray: { id: '254', tray_type: 'TPU', tray_color: 'C12E1FFF', remain: 5 },
    })
    assert.deepEqual(trays, [
      { amsId: 0, trayId: 0, type: 'PLA', color: 'FFFFFFFF', remain: 80, external: false },
      { amsId: 0, trayId: 1, type: null, color: null, remain: null, external: false },
      { amsId: 128, trayId: 0, type: 'PETG', color: '000000FF', remain: null, external: false },
      { amsId: 255, trayId: 0, type: 'TPU', color: 'C12E1FFF', remain: 5, external: true },
    ])
  })

  test('garbage is left out, not guessed; duplicates and giants are bounded', () => {
    assert.deepEqual(amsTrays({ ams: 'x', vt_tray: [1] }), [])
    assert.deepEqual(amsTrays({ ams: { ams: [null, { id: 'x', tray: [] }, { id: '0', tray: 'x' }, { id: '999', tray: [{ id: '0' }] }] } }), [])
    const odd = amsTrays({ ams: { ams: [{ id: '0', tray: [{ id: '9', tray_type: 'PLA' }, { id: '0', tray_type: '<script>', tray_color: 'nothex', remain: 1e9 }, { id: '0', tray_type: 'PLA' }] }] } })
    assert.deepEqual(odd, [{ amsId: 0, trayId: 0, type: null, color: null, remain: null, external: false }])
    const many = amsTrays({ ams: { ams: Array.from({ length: 100 }, (_, i) => ({ id: String(i), tray: [0, 1, 2, 3].map((j) => ({ id: String(j), tray_type: 'PLA', tray_color: 'FFFFFFFF' })) })) } })
    assert.equal(many.length, 32)
  })

  test('a session reports the trays the printer loads, and their changes', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S', ams: { units: [[{ type: 'PLA', color: 'FFFFFF', remain: 100 }, null]], external: null } }] })
    const p = f.printers[0]!
    const s = session(t, f, p)
    await waitUntil(() => s.status.ams.length > 0, 15_000, 'trays reported')
    assert.deepEqual(s.status.ams.map((a) => [a.amsId, a.trayId, a.type, a.color]), [[0, 0, 'PLA', 'FFFFFFFF'], [0, 1, null, null], [255, 0, null, '00000000']])
    p.setAms({ units: [[{ type: 'PETG', color: 'C12E1F', remain: 0 }]], external: { type: 'PLA', color: '000000', remain: 50 } })
    await waitUntil(() => s.status.ams[0]?.type === 'PETG', 15_000, 'new trays reported')
    assert.deepEqual(s.status.ams.map((a) => [a.amsId, a.trayId, a.type, a.remain, a.external]), [[0, 0, 'PETG', 0, false], [255, 0, 'PLA', 50, true]])
  })
})
