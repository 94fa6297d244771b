// A model-M dispatch among workers (docs/architecture.md, "Printer leases"): a worker whose own
// printers cannot take a two-colour job hands it on to the worker holding an idle printer with
// both colours loaded, instead of failing it FILAMENT_MISMATCH.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import type { RunningWorker } from '../src/worker.ts'
import { createPrintJob, registerPrinter, startTestWorker, useFarm, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'

const env = useWorkerEnv()
const pla = (color: string) => ({ type: 'PLA', color, remain: 100 })
const WHITE = 'FFFFFF'
const RED = 'C12E1F'
const farm = useFarm([
  { model: 'P1S', ams: { units: [[pla(WHITE), pla(RED)]], external: null } },
  { model: 'P1S', ams: { units: [[pla('000000')]], external: null } },
], 30)
const FAST = { ttlMs: 3_000, tickMs: 250, memberTtlMs: 900 }
const statusRow = (printerId: string) => withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.printerStatus.findUnique({ where: { printerId } }))
const printsConsumer = (w: RunningWorker) => w.workers.find((q) => q.name === 'prints')!

test('a worker without a matching printer hands a two-colour job to the worker holding one; it is never failed FILAMENT_MISMATCH', async (t) => {
  const [both, black] = farm.farm.printers as [NonNullable<(typeof farm.farm.printers)[0]>, NonNullable<(typeof farm.farm.printers)[0]>]
  const bothId = await registerPrinter(env, both, 'both-colours')
  const blackId = await registerPrinter(env, black, 'black-only')
  const workers = [await startTestWorker(env, { leaseTiming: FAST, extraCaPems: [farm.farm.caPem] }), await startTestWorker(env, { leaseTiming: FAST, extraCaPems: [farm.farm.caPem] })]
  t.after(() => Promise.all(workers.map((w) => w.close())))
  await waitFor('one printer each', () => workers.every((w) => w.leases!.heldIds().length === 1), 20_000)
  for (const id of [bothId, blackId]) await waitFor('trays stored, idle', async () => ((await statusRow(id))?.ams as unknown[] | undefined)?.length && (await statusRow(id))?.gcodeState === 'IDLE')
  const holder = workers.find((w) => w.leases!.holds(bothId))!
  const other = workers.find((w) => w !== holder)!

  // Only the worker without the colours takes jobs for now: it must put this one back, not fail it.
  await printsConsumer(holder).pause()
  const id = await createPrintJob(env, { requestedModel: 'P1S', filaments: { slots: 2, filaments: [{ slot: 1, type: 'PLA', color: WHITE }, { slot: 2, type: 'PLA', color: RED }] } })
  const queued = () => other.queues.prints.getJob(`print.dispatch-${id}`)
  await waitFor('picked up by the worker holding black-only', async () => (await queued())?.processedOn !== undefined)
  await sleep(1_000) // several 150 ms hand-ons
  const job = await queued()
  assert.equal(job?.attemptsMade, 0, `handed on, not attempted: ${job?.failedReason}`)
  assert.equal(black.commands('print', 'project_file').length, 0)

  printsConsumer(holder).resume()
  const printing = await waitForJobStatus(env, id, 'printing')
  assert.equal(printing.printerId, bothId)
  assert.equal(both.commands('print', 'project_file').length, 1)
  assert.equal(black.commands('print', 'project_file').length, 0)
  await waitForJobStatus(env, id, 'completed', 60_000)
})
