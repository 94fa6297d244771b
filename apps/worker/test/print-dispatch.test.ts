import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import type { PrinterManager } from '../src/printers/manager.ts'
import { createPrintDispatch } from '../src/handlers/print-dispatch.ts'
import { assertAuditVerifies, cancelAsApi, createPrintJob, printJob, registerPrinter, silent, useFarm, useWorker, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'

const env = useWorkerEnv()
// speed 30: PREPARE ≈ 0.3 s, printing ≈ 4 s.
const printers = useFarm([{ model: 'X1C' }, { model: 'X1C' }, { model: 'P1S' }, { model: 'A1' }], 30)
const running = useWorker(env, async () => ({ extraCaPems: [(await printers.ready).caPem] }))
const ids: string[] = []

const statusRow = (printerId: string) => withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.printerStatus.findUnique({ where: { printerId } }))
const transitions = (job: Awaited<ReturnType<typeof printJob>>) => job.events.map((e) => `${e.fromStatus}>${e.toStatus}`)
const auditActions = async (id: string) =>
  (await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { targetId: id }, orderBy: { id: 'asc' } }))).map((a) => a.action)

test('a dispatched print is uploaded, started once, followed and completed', async () => {
  const x1c = printers.farm.printers[0]!
  ids[0] = await registerPrinter(env, x1c, 'A X1C')
  const id = await createPrintJob(env, { printerId: ids[0], bytes: 300_000 })
  const job = await waitForJobStatus(env, id, 'completed')
  assert.deepEqual(transitions(job), ['queued>uploading', 'uploading>starting', 'starting>printing', 'printing>completed'])
  assert.equal(job.progress, 100)
  assert.ok(job.startedAt && job.finishedAt && job.taskId)
  const sent = x1c.commands('print', 'project_file')
  assert.equal(sent.length, 1)
  assert.equal(sent[0]?.message?.print?.task_id, String(job.taskId))
  assert.equal(await x1c.fileSize(`printforge/${id}.gcode.3mf`), 300_000, 'uploaded and size-verified')
  assert.deepEqual(await auditActions(id), ['manufacturing.created', 'manufacturing.started', 'manufacturing.completed'])
})

test('without a printer id, the first idle control-enabled printer of the model is chosen', async () => {
  const p1s = printers.farm.printers[2]!
  ids[2] = await registerPrinter(env, p1s, 'C P1S')
  await waitFor('P1S ready', async () => (await statusRow(ids[2] as string))?.gcodeState === 'IDLE')
  const id = await createPrintJob(env, { requestedModel: 'P1S' })
  const job = await waitForJobStatus(env, id, 'completed')
  assert.equal(job.printerId, ids[2])
  assert.equal(p1s.commands('print', 'project_file').length, 1)
})

test('an HMS fault fails the job with the decoded reason', async () => {
  const x1c = printers.farm.printers[0]!
  const id = await createPrintJob(env, { printerId: ids[0] })
  await waitForJobStatus(env, id, 'printing')
  x1c.failPrint('0300_0100_0001_0007')
  const job = await waitForJobStatus(env, id, 'failed')
  assert.equal(job.errorCode, '0300_0100_0001_0007')
  assert.match(job.errorReason ?? '', /HMS 0300_0100_0001_0007 \(fatal\): The heatbed temperature is abnormal/)
  assert.deepEqual((await auditActions(id)).slice(-1), ['manufacturing.failed'])
})

test('cancel stops a running print', async () => {
  const x1c = printers.farm.printers[0]!
  const id = await createPrintJob(env, { printerId: ids[0] })
  await waitFor('printing on the printer', async () => (await printJob(env, id)).status === 'printing' && x1c.job.gcodeState === 'RUNNING')
  const stopsBefore = x1c.commands('print', 'stop').length
  await cancelAsApi(env, id)
  await waitFor('printer stopped', () => x1c.job.gcodeState === 'FAILED')
  assert.ok(x1c.commands('print', 'stop').length > stopsBefore)
  await new Promise((r) => setTimeout(r, 1_000)) // the follower sees FAILED; the job must stay cancelled
  assert.equal((await printJob(env, id)).status, 'cancelled')
})

test('Developer Mode off is refused before anything is uploaded or sent', async () => {
  const locked = printers.farm.printers[1]!
  locked.setDeveloperMode(false)
  ids[1] = await registerPrinter(env, locked, 'B X1C locked')
  await waitFor('control disabled seen', async () => (await statusRow(ids[1] as string))?.controlEnabled === false)
  const id = await createPrintJob(env, { printerId: ids[1] })
  const job = await waitForJobStatus(env, id, 'failed')
  assert.equal(job.errorCode, 'CONTROL_DISABLED')
  assert.match(job.errorReason ?? '', /Developer Mode off/)
  assert.deepEqual(transitions(job), ['queued>failed'])
  assert.equal(await locked.fileSize(`printforge/${id}.gcode.3mf`), null, 'nothing uploaded')
  assert.equal(locked.commands('print', 'project_file').length, 0)
})

test('Developer Mode off on an A1 (no fun field) is found by the probe before anything is uploaded', async () => {
  const locked = printers.farm.printers[3]!
  locked.setDeveloperMode(false)
  ids[3] = await registerPrinter(env, locked, 'D A1 locked')
  await waitFor('A1 ready', async () => (await statusRow(ids[3] as string))?.gcodeState === 'IDLE')
  assert.equal((await statusRow(ids[3] as string))?.controlEnabled, true, 'nothing known before the probe')
  const id = await createPrintJob(env, { printerId: ids[3] })
  const job = await waitForJobStatus(env, id, 'failed')
  assert.equal(job.errorCode, 'CONTROL_DISABLED')
  assert.match(job.errorReason ?? '', /Developer Mode off.*nothing was uploaded or sent/)
  assert.deepEqual(transitions(job), ['queued>failed'])
  assert.equal(await locked.fileSize(`printforge/${id}.gcode.3mf`), null, 'nothing uploaded')
  assert.equal(locked.commands('print', 'project_file').length, 0)
  assert.deepEqual(locked.commands('print', 'gcode_line').map((c) => c.message?.print?.param), ['M400\n'])
  await waitFor('status row shows it', async () => (await statusRow(ids[3] as string))?.controlEnabled === false)
  // Choosing by model skips it: no A1 is control-enabled, so the job waits (retries) instead.
  const byModel = await createPrintJob(env, { requestedModel: 'A1' })
  await waitFor('first attempt refused', async () => {
    const j = await running.worker.queues.prints.getJob(`print.dispatch-${byModel}`)
    return j && j.attemptsMade >= 1 ? j : null
  })
  assert.equal((await printJob(env, byModel)).status, 'queued')
  assert.equal(locked.commands('print', 'gcode_line').length, 1, 'asked once per connection')
  await cancelAsApi(env, byModel)
})

test('a busy printer is never sent a job; the job runs once the printer is idle', async () => {
  const p1s = printers.farm.printers[2]!
  const before = p1s.commands('print', 'project_file').length
  p1s.job.start({ subtaskName: 'manual print', gcodeFile: 'manual.gcode.3mf', taskId: '4242', subtaskId: '4242', projectId: '0' })
  await waitFor('worker sees it busy', async () => ['PREPARE', 'RUNNING'].includes((await statusRow(ids[2] as string))?.gcodeState ?? ''))
  const id = await createPrintJob(env, { printerId: ids[2] })
  const queued = await waitFor('first attempt refused', async () => {
    const j = await running.worker.queues.prints.getJob(`print.dispatch-${id}`)
    return j && j.attemptsMade >= 1 ? j : null
  })
  assert.match(queued.failedReason, /printer is (PREPARE|RUNNING)/)
  assert.equal((await printJob(env, id)).status, 'queued', 'not even claimed')
  assert.equal(p1s.commands('print', 'project_file').length, before)
  await waitFor('manual print done', () => p1s.job.gcodeState === 'FINISH', 30_000)
  await waitForJobStatus(env, id, 'completed', 60_000)
  const sent = p1s.commands('print', 'project_file').slice(before)
  assert.equal(sent.length, 1)
})

test('a restarted attempt never resends: it confirms from the printer task id, or fails unconfirmed', async () => {
  const x1c = printers.farm.printers[0]!
  const manager = running.worker.printers as PrinterManager
  const dispatch = createPrintDispatch({
    db: env.db, store: env.store, keyring: env.keyring, extraCaPems: [printers.farm.caPem], log: silent, manager,
    readyTimeoutMs: 5_000, confirmTimeoutMs: 1_500, onPrinting: () => {},
  })
  const ctx = { jobId: 'x', attempt: 5, finalAttempt: true, signal: new AbortController().signal, log: silent }
  const asIfSent = async (taskId: number) => {
    const id = await createPrintJob(env, { printerId: ids[0] }, false)
    await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.manufacturingJob.update({ where: { id }, data: { status: 'starting', taskId } }))
    return id
  }
  await waitFor('printer idle', () => x1c.job.gcodeState !== 'RUNNING' && x1c.job.gcodeState !== 'PREPARE')
  const sentBefore = x1c.commands('print', 'project_file').length

  // Killed after sending: the printer runs our task; the retry adopts it.
  const sent = await asIfSent(9_000_001)
  x1c.job.start({ subtaskName: 'adopted', gcodeFile: 'x', taskId: '9000001', subtaskId: '9000001', projectId: '0' })
  await dispatch({ manufacturingJobId: sent }, ctx)
  assert.equal((await printJob(env, sent)).status, 'printing')
  await waitForJobStatus(env, sent, 'completed')

  // Killed before sending: the printer never heard of it; the final attempt fails, never resends.
  const lost = await asIfSent(9_000_002)
  await dispatch({ manufacturingJobId: lost }, ctx)
  const job = await printJob(env, lost)
  assert.equal(job.status, 'failed')
  assert.equal(job.errorCode, 'START_UNCONFIRMED')
  assert.equal(x1c.commands('print', 'project_file').length, sentBefore, 'no print command was sent by either retry')
  await assertAuditVerifies(env.db)
})
