import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { enqueue } from '@printforge/jobs'
import sharp from 'sharp'
import { assertAuditVerifies, createPrintJob, createScanJob, printJob, registerPrinter, scanJob, useFarm, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'
import { caFile, spawnWorker, type WorkerProcess } from './process.ts'

const env = useWorkerEnv()
// speed 15: PREPARE ≈ 0.7 s, printing ≈ 8 s — long enough to kill the worker mid-print.
const printers = useFarm([{ model: 'X1C' }, { model: 'P1S' }], 15)
const start = async () => spawnWorker(env.config, { QUEUE_PREFIX: env.prefix, WORKER_LOCK_MS: '3000', PRINTER_EXTRA_CA: await caFile(printers.farm.caPem) })

test('SIGKILL mid-scan, then restart: every image stored exactly once, quarantine empty, chain intact', async (t) => {
  let worker: WorkerProcess = await start()
  t.after(() => worker.kill())
  const image = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#777', noise: { type: 'gaussian', mean: 120, sigma: 40 } } }).jpeg().toBuffer()
  const { jobId, imageIds, customerId } = await createScanJob(env, Array.from({ length: 24 }, () => image))
  await enqueue(env.queues, 'scan.ingest', { scanJobId: jobId }, jobId)
  await waitFor('some images stored', async () => (await scanJob(env, jobId)).images.filter((i) => i.status === 'stored').length >= 3)
  await worker.kill('SIGKILL')
  const partial = await scanJob(env, jobId)
  assert.equal(partial.status, 'processing')
  assert.ok(partial.images.some((i) => i.status === 'quarantined'), 'killed mid-job')

  worker = await start()
  const job = await waitFor('scan stored after restart', async () => {
    const j = await scanJob(env, jobId)
    return j.status === 'stored' ? j : null
  }, 60_000)
  assert.equal(job.images.filter((i) => i.status === 'stored').length, 24)
  assert.equal((await env.store.listKeys(`scans/${customerId}/${jobId}/`)).length, 24)
  assert.deepEqual(await env.store.listKeys(`quarantine/${jobId}/`), [])
  const audits = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { action: 'scan.stored', targetId: { in: [...imageIds, jobId] } } }))
  assert.equal(audits.length, 25, 'each image and the job audited exactly once')
  await assertAuditVerifies(env.db)
})

test('SIGKILL mid-upload and again mid-print, then restart: the print completes, sent exactly once', async (t) => {
  const x1c = printers.farm.printers[0]!
  const printerId = await registerPrinter(env, x1c)
  let worker: WorkerProcess = await start()
  t.after(() => worker.kill())
  x1c.setFtpsSpeed(150_000) // a 600 KB model takes about 4 s to upload
  const id = await createPrintJob(env, { printerId, bytes: 600_000 })
  await waitForJobStatus(env, id, 'uploading')
  await new Promise((r) => setTimeout(r, 1_000))
  await worker.kill('SIGKILL')
  assert.equal((await printJob(env, id)).status, 'uploading')
  x1c.setFtpsSpeed(null)

  worker = await start()
  await waitForJobStatus(env, id, 'printing', 60_000)
  await worker.kill('SIGKILL')
  worker = await start()
  const job = await waitForJobStatus(env, id, 'completed', 60_000)
  const sent = x1c.commands('print', 'project_file')
  assert.equal(sent.length, 1, 'never sent twice')
  assert.equal(sent[0]?.message?.print?.task_id, String(job.taskId))
  const moves = job.events.map((e) => `${e.fromStatus}>${e.toStatus}`)
  assert.deepEqual(moves, ['queued>uploading', 'uploading>starting', 'starting>printing', 'printing>completed'])
  await assertAuditVerifies(env.db)
})

test('a printer connection dropped mid-print: the worker reconnects and the job completes once', async (t) => {
  const p1s = printers.farm.printers[1]!
  const printerId = await registerPrinter(env, p1s)
  const worker = await start()
  t.after(() => worker.kill())
  const id = await createPrintJob(env, { printerId })
  await waitFor('printing', async () => (await printJob(env, id)).status === 'printing' && p1s.job.gcodeState === 'RUNNING', 45_000)
  const connections = p1s.connections
  p1s.dropConnections()
  await waitFor('reconnected', () => p1s.connections > connections)
  const job = await waitForJobStatus(env, id, 'completed', 60_000)
  assert.equal(p1s.commands('print', 'project_file').length, 1)
  assert.equal(job.events.filter((e) => e.toStatus === 'completed').length, 1)
  await assertAuditVerifies(env.db)
})
