// The filament rule of dispatch (src/filaments): what a slice needs, and which trays can print it.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AppError } from '@printforge/errors'
import { colorDistance, filamentNeeds, parseSliceInfo, planFilaments, trayMatches, type LoadedTray } from '../src/index.ts'

/** slice_info.config as Bambu Studio writes it. */
const SLICE_INFO = `<?xml version="1.0" encoding="UTF-8"?>
<config>
  <header>
    <header_item key="X-BBL-Client-Type" value="slicer"/>
  </header>
  <plate>
    <metadata key="index" value="1"/>
    <metadata key="printer_model_id" value="C12"/>
    <filament id="1" tray_info_idx="GFA00" type="PLA" color="#FFFFFF" used_m="0.94" used_g="2.80" />
    <filament id="3" tray_info_idx="GFA00" type="pla" color="#C12E1FFF" used_m="0.50" used_g="1.50" />
  </plate>
  <plate>
    <metadata key="index" value="2"/>
    <filament id="2" type="PETG" color="#000000" used_g="4"/>
  </plate>
</config>`

const tray = (amsId: number, trayId: number, type: string | null, color: string | null, remain: number | null = 80, external = false): LoadedTray =>
  ({ amsId, trayId, type, color, remain, external })

function refused(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (err: unknown) => err instanceof AppError && err.status === 400 && pattern.test(err.message))
}

describe('what a slice needs (Metadata/slice_info.config, project_settings.config)', () => {
  test('each plate with its filaments: slot, type, colour without alpha', () => {
    const plates = parseSliceInfo(SLICE_INFO)
    assert.deepEqual(plates.get(1), [{ slot: 1, type: 'PLA', color: 'FFFFFF' }, { slot: 3, type: 'pla', color: 'C12E1F' }])
    assert.deepEqual(plates.get(2), [{ slot: 2, type: 'PETG', color: '000000' }])
  })

  test('the slot count comes from project_settings.config, else the highest id', () => {
    const settings = JSON.stringify({ filament_type: ['PLA', 'PETG', 'PLA', 'PLA'], filament_colour: ['#FFFFFF', '#000000', '#C12E1F', '#00FF00'] })
    assert.equal(filamentNeeds(SLICE_INFO, settings, 1)?.slots, 4)
    assert.equal(filamentNeeds(SLICE_INFO, null, 1)?.slots, 3)
    assert.equal(filamentNeeds(null, settings, 1), null, 'no slice_info: no filament information')
  })

  test('malformed metadata is a 400 that says what is wrong', () => {
    refused(() => filamentNeeds(SLICE_INFO, null, 3), /does not describe plate 3/)
    refused(() => filamentNeeds(SLICE_INFO, '{"filament_type":["PLA","PLA"]}', 1), /uses filament 3 of only 2/)
    refused(() => filamentNeeds(SLICE_INFO, 'not json', 1), /not JSON/)
    refused(() => filamentNeeds(SLICE_INFO, '{"filament_type":"PLA"}', 1), /filament_type/)
    refused(() => parseSliceInfo('<plate><metadata key="index" value="1"/>'), /unterminated <plate>/)
    refused(() => parseSliceInfo('<plate><metadata key="index" value="1"/><filament id="1" type="PLA" color="red"/></plate>'), /colour/)
    refused(() => parseSliceInfo('<plate><metadata key="index" value="1"/><filament id="99" type="PLA" color="#FFFFFF"/></plate>'), /filament id/)
    refused(() => parseSliceInfo('<plate><metadata key="index" value="1"/><filament id="1" type="PLA&amp;" color="#FFFFFF"/></plate>'), /type/)
    refused(() => parseSliceInfo('<plate><filament id="1" type="PLA" color="#FFFFFF"/></plate>'), /without an index/)
    refused(() => parseSliceInfo(`<plate><metadata key="index" value="1"/>${'<filament id="1" type="PLA" color="#FFFFFF"/>'.repeat(2)}</plate>`), /twice/)
    refused(() => parseSliceInfo(' '.repeat(600 * 1024)), /too large/)
  })

  test('a huge tag of attribute-like text is scanned in linear time', () => {
    const started = performance.now()
    assert.throws(() => parseSliceInfo(`<plate><metadata key="index" value="1"/><filament ${'a'.repeat(400_000)}/></plate>`))
    assert.throws(() => parseSliceInfo(`<plate>${'<'.repeat(400_000)}`))
    assert.ok(performance.now() - started < 1000)
  })
})

describe('which tray prints a filament', () => {
  const pla = { type: 'PLA', color: 'FFFFFF' }
  test('type matches exactly, case-insensitively', () => {
    assert.ok(trayMatches(pla, tray(0, 0, 'pla', 'FFFFFFFF')))
    assert.ok(!trayMatches(pla, tray(0, 0, 'PLA-CF', 'FFFFFFFF')))
    assert.ok(!trayMatches(pla, tray(0, 0, 'PETG', 'FFFFFFFF')))
  })
  test('colours within 16 steps per channel match; alpha is ignored', () => {
    assert.equal(colorDistance('FFFFFF', 'F0F5FF00'), 15)
    assert.ok(trayMatches(pla, tray(0, 0, 'PLA', 'EFFFFFFF')))
    assert.ok(!trayMatches(pla, tray(0, 0, 'PLA', 'EEFFFFFF')))
  })
  test('an empty tray, an unknown colour and a spool known to be used up never match; an unknown remain does', () => {
    assert.ok(!trayMatches(pla, tray(0, 0, null, null)))
    assert.ok(!trayMatches(pla, tray(0, 0, 'PLA', null)))
    assert.ok(!trayMatches(pla, tray(0, 0, 'PLA', 'FFFFFFFF', 0)))
    assert.ok(trayMatches(pla, tray(0, 0, 'PLA', 'FFFFFFFF', -1)))
    assert.ok(trayMatches(pla, tray(0, 0, 'PLA', 'FFFFFFFF', null)))
  })
})

describe('the ams_mapping for a plate (docs/bambu-protocol.md §2.4)', () => {
  const needs = { slots: 4, filaments: [{ slot: 1, type: 'PLA', color: 'FFFFFF' }, { slot: 3, type: 'PLA', color: 'C12E1F' }] }
  test('one entry per project slot: global tray id, -1 where unused; ams_mapping2 alike', () => {
    const plan = planFilaments(needs, [tray(0, 0, 'PLA', '000000FF'), tray(0, 1, 'PLA', 'C12E1FFF'), tray(1, 2, 'PLA', 'FFFFFFFF')])
    assert.ok(plan.ok)
    assert.deepEqual(plan.amsMapping, [6, -1, 1, -1])
    assert.deepEqual(plan.amsMapping2, [{ amsId: 1, slotId: 2 }, { amsId: 255, slotId: 255 }, { amsId: 0, slotId: 1 }, { amsId: 255, slotId: 255 }])
    assert.equal(plan.useAms, true)
  })
  test('the closest colour wins, then AMS before the external spool; AMS HT trays use the unit id', () => {
    const plan = planFilaments(needs, [tray(255, 0, 'PLA', 'FFFFFFFF', 100, true), tray(0, 0, 'PLA', 'F8F8F8FF'), tray(128, 0, 'PLA', 'FFFFFFFF'), tray(0, 3, 'PLA', 'C12E1FFF')])
    assert.ok(plan.ok)
    assert.deepEqual(plan.amsMapping, [128, -1, 3, -1])
  })
  test('the external spool is -1 with ams_mapping2 {255, 0}; only external spools → use_ams false', () => {
    const one = { slots: 1, filaments: [{ slot: 1, type: 'PLA', color: 'FFFFFF' }] }
    const plan = planFilaments(one, [tray(255, 0, 'PLA', 'FFFFFFFF', 100, true)])
    assert.ok(plan.ok)
    assert.deepEqual([plan.amsMapping, plan.amsMapping2, plan.useAms], [[-1], [{ amsId: 255, slotId: 0 }], false])
  })
  test('a missing filament is named; nothing is planned', () => {
    const plan = planFilaments(needs, [tray(0, 0, 'PLA', 'FFFFFFFF'), tray(0, 1, 'PETG', 'C12E1FFF')])
    assert.deepEqual(plan, { ok: false, missing: [{ slot: 3, type: 'PLA', color: 'C12E1F' }] })
  })
})
