// Delta printers (P1/A1) send only what changed (docs/bambu-protocol.md §3.1): a delta needs a
// baseline, so the first report a composer makes is a full one, and later ones carry changes only.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { JobState } from '../src/job-state.ts'
import { MODEL_TRAITS } from '../src/models.ts'
import { ReportComposer } from '../src/report-builder.ts'

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
