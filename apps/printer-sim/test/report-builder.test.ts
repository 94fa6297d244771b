// Delta printers (P1/A1) send only what changed (docs/bambu-protocol.md §3.1): a delta needs a
// baseline, so the first report a composer makes is a full one, and later ones carry changes only.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { JobState } from '../src/job-state.ts'
import { MODEL_TRAITS } from '../src/models.ts'
import { ReportComposer } from '../src/report-builder.ts'
import { DEFAULT_AMS, parseAmsSpec } from '../src/ams.ts'

test('a delta printer’s first report is full (msg 0); the next carries only what changed (msg 1)', () => {
  const job = new JobState({ speed: 1 })
  const composer = new ReportComposer({ traits: MODEL_TRAITS.P1S, job, lights: new Map(), developerMode: true, timestamp: false })
  const first = composer.compose(false).print as Record<string, unknown>
  assert.equal(first['msg'], 0)
  assert.ok('wifi_signal' in first, 'the first report carries every field')
  job.nozzle = { current: 200, target: 220 }
  const next = composer.compose(false).print as Record<string, unknown>
  assert.equal(next['msg'], 1)
  assert.equal('wifi_signal' in next, false, 'unchanged fields stay out of a delta')
  assert.ok(Object.keys(next).some((k) => k.startsWith('nozzle')), 'the change is in it')
})

test('packed temperatures carry one nozzle on a single-nozzle model (H2S) and two on H2D, H2C and X2D', () => {
  for (const [model, nozzles] of [['H2S', 1], ['H2D', 2], ['H2C', 2], ['X2D', 2]] as const) {
    const composer = new ReportComposer({ traits: MODEL_TRAITS[model], job: new JobState({ speed: 1 }), lights: new Map(), developerMode: true, timestamp: false })
    const print = composer.compose(true).print as { device: { extruder: { state: number; info: unknown[] } }; nozzle_temper?: number }
    assert.equal(print.nozzle_temper, undefined, model)
    assert.equal(print.device.extruder.info.length, nozzles, model)
    assert.equal(print.device.extruder.state & 0xf, nozzles, `${model}: extruder count in the low 4 bits (§3.4)`)
  }
})

test('loaded trays are reported as ams.ams[].tray[] and vt_tray (docs/bambu-protocol.md §3.6); an empty slot is its id alone', () => {
  const job = new JobState({ speed: 1 })
  const ams = parseAmsSpec('PLA/FFFFFF,-,PETG/c12e1f80@40;ext=TPU/000000@-1')
  const composer = new ReportComposer({ traits: MODEL_TRAITS.X1C, job, lights: new Map(), developerMode: true, timestamp: false, ams })
  const print = composer.compose(true).print as { ams: { ams: Array<{ id: string; tray: Array<Record<string, unknown>> }>; tray_exist_bits: string }; vt_tray: Record<string, unknown> }
  assert.deepEqual(print.ams.ams.map((u) => u.id), ['0'])
  const [white, empty, petg] = print.ams.ams[0]!.tray
  assert.deepEqual([white?.['tray_type'], white?.['tray_color'], white?.['remain']], ['PLA', 'FFFFFFFF', 100])
  assert.deepEqual(empty, { id: '1' })
  assert.deepEqual([petg?.['tray_type'], petg?.['tray_color'], petg?.['remain']], ['PETG', 'C12E1F80', 40])
  assert.equal(print.ams.tray_exist_bits, '5')
  assert.deepEqual([print.vt_tray['id'], print.vt_tray['tray_type'], print.vt_tray['remain']], ['254', 'TPU', -1])
})

test('tray specs that are not TYPE/RRGGBB[AA][@remain] or - are refused', () => {
  for (const bad of ['PLA', 'PLA/FFF', 'PLA/FFFFFF@101', '<x>/FFFFFF', 'PLA/FFFFFF,PLA/FFFFFF,PLA/FFFFFF,PLA/FFFFFF,PLA/FFFFFF']) {
    assert.throws(() => parseAmsSpec(bad), TypeError, bad)
  }
  assert.deepEqual(DEFAULT_AMS.units[0]?.map((t) => t?.type), ['PLA', 'PLA', 'PLA', 'PLA'])
})
