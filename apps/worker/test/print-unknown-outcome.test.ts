// A print command whose outcome is unknown (the printer froze or dropped the link before its PUBACK
// or answer) is settled by the printer's own report once it is back: started → followed to the
// end; clearly not started → the usual retry/fail rules; still unknown → left `starting`, never
// failed as unsent and never sent again. The virtual printers count every project_file.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { enqueue } from '@printforge/jobs'
import type { PrinterManager } from '../src/printers/manager.ts'
import { createPrintDispatch } from '../src/handlers/print-dispatch.ts'
import { assertAuditVerifies, createPrintJob, printJob, registerPrinter, silent, useFarm, useWorker, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'

const env = useWorkerEnv()
// speed 30: PREPARE ≈ 0.3 s, printing ≈ 4 s.
const printers = useFarm([{ model: 'P1S' }, { model: 'X1C' }, { model: 'A1' }], 30)
/** Jobs whose printer freezes right as their project_file goes out (then drops the link after 1.5 s). */
const freezeOnSend = new Set<string>()
const running = useWorker(env, async () => ({
  extraCaPems: [(await printers.ready).caPem],
  hooks: {
    beforeSend: async (jobId: string) => {
      if (freezeOnSend.has(jobId)) printers.farm.printers[0]!.freeze({ dropAfterMs: 1_500 })
    },
  },
}))

const transitions = (job: Awaited<ReturnType<typeof printJob>>) => job.events.map((e) => `${e.fromStatus}>${e.toStatus}`)

/** A dispatch handler of our own on the running worker's sessions, with short waits and hooks. */
function dispatcher(beforeSend?: (jobId: string) => Promise<void>) {
  return createPrintDispatch({
    db: env.db, store: env.store, keyring: env.keyring, extraCaPems: [printers.farm.caPem], log: silent,
    manager: running.worker.printers as PrinterManager, readyTimeoutMs: 10_000, confirmTimeoutMs: 2_000, onPrinting: () => {},
    ...(beforeSend ? { beforeSend } : {}),
  })
}
const lastAttempt = () => ({ jobId: 'x', attempt: 5, finalAttempt: true, signal: new AbortController().signal, log: silent })

test('the printer freezes as the print command goes out and drops the link: the start is confirmed from its state, printed once', async () => {
  const p1s = printers.farm.printers[0]!
  const printerId = await registerPrinter(env, p1s)
  await waitFor('P1S ready', () => running.worker.printers?.get(printerId)?.session.status.gcodeState === 'IDLE')
  const id = await createPrintJob(env, { printerId }, false)
  freezeOnSend.add(id)
  await enqueue(env.queues, 'print.dispatch', { manufacturingJobId: id }, id)
  const job = await waitForJobStatus(env, id, 'completed', 60_000)
  assert.deepEqual(transitions(job), ['queued>uploading', 'uploading>starting', 'starting>printing', 'printing>completed'])
  assert.equal(p1s.commands('print', 'project_file').length, 1, 'exactly one print command reached the printer')
  assert.ok(p1s.connections >= 2, 'the link was dropped and the session came back')
  assert.equal(p1s.clientStats.extraClients, 0, 'never two sessions')
  const queued = await running.worker.queues.prints.getJob(`print.dispatch-${id}`)
  assert.equal(queued?.failedReason ?? null, null, 'confirmed within the attempt that sent it, no retry')
  await assertAuditVerifies(env.db)
})

test('frozen and silent: the outcome stays unknown — the last attempt neither fails the job nor resends; the printer, back, settles it', async () => {
  const x1c = printers.farm.printers[1]!
  const printerId = await registerPrinter(env, x1c)
  await waitFor('X1C ready', () => running.worker.printers?.get(printerId)?.session.status.gcodeState === 'IDLE')
  const id = await createPrintJob(env, { printerId }, false)
  const dispatch = dispatcher(async () => x1c.freeze())
  // No PUBACK, no answer, no report: ACK_TIMEOUT after 10 s, then 2 s of silence.
  await assert.rejects(dispatch({ manufacturingJobId: id }, lastAttempt()), { code: 'START_UNKNOWN' })
  assert.equal((await printJob(env, id)).status, 'starting', 'not failed: it may be printing')
  assert.equal(x1c.commands('print', 'project_file').length, 1, 'the frozen printer did get it')
  // A later attempt while still frozen: unknown again, and nothing is sent.
  await assert.rejects(dispatcher()({ manufacturingJobId: id }, lastAttempt()), { code: 'START_UNKNOWN' })
  // The printer recovers (its broker restarts): its report shows our task, so the job is followed.
  x1c.thaw()
  x1c.dropConnections()
  await dispatcher()({ manufacturingJobId: id }, lastAttempt())
  assert.equal((await printJob(env, id)).status, 'printing')
  await waitForJobStatus(env, id, 'completed', 60_000)
  assert.equal(x1c.commands('print', 'project_file').length, 1, 'sent once in all')
  assert.equal(x1c.clientStats.extraClients, 0)
  await assertAuditVerifies(env.db)
})

test('the command was lost with the link: back and idle without our task, the last attempt fails START_UNCONFIRMED and never resends', async () => {
  const a1 = printers.farm.printers[2]!
  const printerId = await registerPrinter(env, a1)
  await waitFor('A1 ready', () => running.worker.printers?.get(printerId)?.session.status.gcodeState === 'IDLE')
  const id = await createPrintJob(env, { printerId }, false)
  // The broker holds the command and dies with it: the firmware never sees it.
  const dispatch = dispatcher(async () => a1.freeze({ deliver: false, dropAfterMs: 1_000 }))
  await dispatch({ manufacturingJobId: id }, lastAttempt())
  const job = await printJob(env, id)
  assert.equal(job.status, 'failed')
  assert.equal(job.errorCode, 'START_UNCONFIRMED')
  assert.equal(a1.commands('print', 'project_file').length, 0, 'never reached the printer, never resent')
  assert.equal(a1.job.gcodeState, 'IDLE')
})
