// WORKER_QUEUES: a scans-only process (how scan ingest scales, one per core) never touches the
// printers — real printers accept only a few MQTT clients.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { enqueue } from '@printforge/jobs'
import { createScanJob, registerPrinter, scanJob, useFarm, useWorkerEnv, waitFor } from './helper.ts'
import { gpsJpeg } from './images.ts'
import { caFile, spawnWorker } from './process.ts'

const env = useWorkerEnv()
const printers = useFarm([{ model: 'P1S' }], 30)

test('a WORKER_QUEUES=scans process ingests scans and opens no printer session', async (t) => {
  const printer = printers.farm.printers[0]!
  await registerPrinter(env, printer)
  const before = printer.connections
  const worker = await spawnWorker(env.config, { QUEUE_PREFIX: env.prefix, WORKER_QUEUES: 'scans', PRINTER_EXTRA_CA: await caFile(printers.farm.caPem) })
  t.after(() => worker.kill())
  assert.match(worker.output(), /"queues":\["scans"\],.*"printers":0/)
  const { jobId } = await createScanJob(env, [await gpsJpeg()])
  await enqueue(env.queues, 'scan.ingest', { scanJobId: jobId }, jobId)
  await waitFor('scan stored', async () => (await scanJob(env, jobId)).status === 'stored')
  assert.equal(printer.connections, before, 'no MQTT connection from a scans-only worker')
})
