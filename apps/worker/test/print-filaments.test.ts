// Filament-aware dispatch (docs/integrations.md "Filament-aware dispatch"): a two-colour model sent
// to "any P1S" goes to the printer whose trays hold both colours, with the ams_mapping and
// ams_mapping2 for those trays; with no such printer nothing is claimed, uploaded or sent.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { cancelAsApi, createPrintJob, printJob, registerPrinter, useFarm, useWorker, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'

const env = useWorkerEnv()
const pla = (color: string, remain = 100) => ({ type: 'PLA', color, remain })
const WHITE = 'FFFFFF'
const RED = 'C12E1F'
// Named so that without the filament rule the first by name (a-…) would be chosen.
const printers = useFarm([
  { model: 'P1S', ams: { units: [[pla(WHITE), pla('000000'), null, pla(RED, 0)]], external: null } }, // red is used up
  { model: 'P1S', ams: { units: [[{ type: 'PETG', color: WHITE, remain: 100 }, { type: 'PETG', color: RED, remain: 100 }]], external: null } },
  { model: 'P1S', ams: { units: [[pla('000000'), null, pla(RED), pla('F8FAFF', -1)]], external: null } }, // white within tolerance, remain unknown
], 30)
const running = useWorker(env, async () => ({ extraCaPems: [(await printers.ready).caPem] }))

/** Project slots 1 white, 2 red, 3 a filament the plate does not print with. */
const TWO_COLOURS = { slots: 3, filaments: [{ slot: 1, type: 'PLA', color: WHITE }, { slot: 2, type: 'pla', color: RED }] }
const statusRow = (printerId: string) => withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.printerStatus.findUnique({ where: { printerId } }))

test('a two-colour model goes to the printer with both colours loaded, with its tray mapping', async () => {
  const [onlyWhite, wrongType, both] = printers.farm.printers as [NonNullable<(typeof printers.farm.printers)[0]>, NonNullable<(typeof printers.farm.printers)[0]>, NonNullable<(typeof printers.farm.printers)[0]>]
  const ids = [await registerPrinter(env, onlyWhite, 'a-only-white'), await registerPrinter(env, wrongType, 'b-petg'), await registerPrinter(env, both, 'c-both')]
  for (const id of ids) await waitFor('trays in printer_status', async () => ((await statusRow(id))?.ams as unknown[] | undefined)?.length && (await statusRow(id))?.gcodeState === 'IDLE')
  assert.deepEqual(((await statusRow(ids[2]!))?.ams as Array<{ amsId: number; trayId: number; type: string | null; color: string | null; remain: number | null }>).map((t) => [t.amsId, t.trayId, t.type, t.color, t.remain]),
    [[0, 0, 'PLA', '000000FF', 100], [0, 1, null, null, null], [0, 2, 'PLA', 'C12E1FFF', 100], [0, 3, 'PLA', 'F8FAFFFF', null], [255, 0, null, '00000000', 0]])

  const id = await createPrintJob(env, { requestedModel: 'P1S', filaments: TWO_COLOURS })
  const job = await waitForJobStatus(env, id, 'printing')
  assert.equal(job.printerId, ids[2])
  const [sent] = both.commands('print', 'project_file')
  assert.equal(sent?.message?.print?.use_ams, true)
  assert.deepEqual(sent?.message?.print?.ams_mapping, [3, 2, -1])
  assert.deepEqual(sent?.message?.print?.ams_mapping2, [{ ams_id: 0, slot_id: 3 }, { ams_id: 0, slot_id: 2 }, { ams_id: 255, slot_id: 255 }])
  assert.equal(onlyWhite.commands('print', 'project_file').length + wrongType.commands('print', 'project_file').length, 0)
  assert.deepEqual(job.events.find((e) => e.toStatus === 'starting')?.details, { printerId: ids[2], taskId: job.taskId, useAms: true, amsMapping: [3, 2, -1] })
  await waitForJobStatus(env, id, 'completed', 60_000)
})

test('no printer has the filaments: nothing is claimed, uploaded or sent, and the attempt names what is missing', async () => {
  const id = await createPrintJob(env, { requestedModel: 'P1S', filaments: { slots: 2, filaments: [{ slot: 1, type: 'PLA', color: WHITE }, { slot: 2, type: 'PLA', color: '00AE42' }] } })
  const attempt = await waitFor('first attempt refused', async () => {
    const j = await running.worker.queues.prints.getJob(`print.dispatch-${id}`)
    return j && j.attemptsMade >= 1 ? j : null
  })
  assert.match(attempt.failedReason, /no idle P1S printer has the filaments loaded \(a-only-white lacks slot 2: PLA #00AE42\)/)
  assert.equal((await printJob(env, id)).status, 'queued', 'not even claimed')
  for (const p of printers.farm.printers) {
    assert.equal(await p.fileSize(`printforge/${id}.gcode.3mf`), null)
  }
  assert.equal(printers.farm.printers.reduce((n, p) => n + p.commands('print', 'project_file').length, 0), 1, 'only the first test’s print')
  await cancelAsApi(env, id)
})

test('a model without filament metadata dispatches as before (first idle printer by name)', async () => {
  const id = await createPrintJob(env, { requestedModel: 'P1S' })
  const job = await waitForJobStatus(env, id, 'printing')
  const chosen = printers.farm.printers.find((p) => p.commands('print', 'project_file').some((c) => c.message?.print?.task_id === String(job.taskId)))
  assert.equal(chosen, printers.farm.printers[0])
  assert.deepEqual(chosen?.commands('print', 'project_file').at(-1)?.message?.print?.ams_mapping, [])
})
