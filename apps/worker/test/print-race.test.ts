import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { claim as claimPrinter } from '../src/printers/job-moves.ts'
import { createPrintJob, printJob, registerPrinter, startTestWorker, useFarm, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'

const env = useWorkerEnv()
// Two workers in one process share the printers under leases: the P1S below (one MQTT client, like
// a real one) is held by one of them, and the other hands its jobs on to the holder.
const printers = useFarm([{ model: 'X1C' }, { model: 'P1S' }], 60)
const pause = (ms: number) => () => new Promise<void>((r) => setTimeout(r, ms))

test('two claims racing for one printer: exactly one wins, even with a wide window between check and update', async () => {
  const printerId = await registerPrinter(env, printers.farm.printers[0]!)
  const a = await createPrintJob(env, { printerId }, false)
  const b = await createPrintJob(env, { printerId }, false)
  // The pause sits between "no other job holds it" and the update: without the row lock both
  // claimers would pass the check inside it.
  const results = await Promise.all([claimPrinter(env.db, a, printerId, { afterCheck: pause(300) }), claimPrinter(env.db, b, printerId, { afterCheck: pause(300) })])
  assert.deepEqual([...results].sort(), ['claimed', 'held_by_other_job'])
  const statuses = [(await printJob(env, a)).status, (await printJob(env, b)).status].sort()
  assert.deepEqual(statuses, ['queued', 'uploading'])
  // Releasing (the winner finishes) lets the other claim.
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.manufacturingJob.updateMany({ where: { id: { in: [a, b] }, status: 'uploading' }, data: { status: 'completed' } }))
  const loser = results[0] === 'claimed' ? b : a
  assert.equal(await claimPrinter(env.db, loser, printerId), 'claimed')
})

test('two workers dispatching two jobs to one printer: one prints, the other waits its turn', async (t) => {
  const p1s = printers.farm.printers[1]!
  const printerId = await registerPrinter(env, p1s)
  const options = { extraCaPems: [printers.farm.caPem], hooks: { claim: { afterCheck: pause(200) } } }
  const [w1, w2] = await Promise.all([startTestWorker(env, options), startTestWorker(env, options)])
  t.after(() => Promise.all([w1.close(), w2.close()]))
  await waitFor('the printer held by one of the two', () => [w1, w2].filter((w) => w.printers?.get(printerId)?.session.status.gcodeState === 'IDLE').length === 1)
  const jobs = await Promise.all([createPrintJob(env, { printerId }), createPrintJob(env, { printerId })])
  let maxHolders = 0
  let watching = true
  const watcher = (async () => {
    while (watching) {
      const holders = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.manufacturingJob.count({ where: { printerId, status: { in: ['uploading', 'starting', 'printing'] } } }))
      maxHolders = Math.max(maxHolders, holders)
      await new Promise((r) => setTimeout(r, 25))
    }
  })()
  const done = await Promise.all(jobs.map((id) => waitForJobStatus(env, id, 'completed', 60_000)))
  watching = false
  await watcher
  assert.equal(maxHolders, 1, 'never two jobs holding the printer')
  assert.equal(p1s.clientStats.extraClients, 0, 'never a second MQTT client on the P1S')
  const sent = p1s.commands('print', 'project_file')
  assert.equal(sent.length, 2, 'one print command per job')
  assert.deepEqual(sent.map((r) => r.message?.print?.task_id).sort(), done.map((j) => String(j.taskId)).sort())
  // The second start came only after the first print finished.
  const [first, second] = [...done].sort((x, y) => (x.startedAt?.getTime() ?? 0) - (y.startedAt?.getTime() ?? 0))
  assert.ok(first?.finishedAt && second?.startedAt && second.startedAt.getTime() >= first.finishedAt.getTime())
})
