// The worker process as deployed serves its metrics on METRICS_PORT, behind METRICS_TOKEN: what
// Prometheus scrapes in compose. (metrics.test.ts covers every series in-process.)
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { freePort } from '@printforge/devstack'
import { enqueue, QUEUES } from '@printforge/jobs'
import { parseExposition, sumOf } from '@printforge/metrics'
import { createScanJob, scanJob, useWorkerEnv, waitFor } from './helper.ts'
import { gpsJpeg } from './images.ts'
import { spawnWorker } from './process.ts'

const env = useWorkerEnv()

test('the worker process serves its series on its metrics port, only with the token', async (t) => {
  const [port, token] = [await freePort(), randomBytes(32).toString('base64url')]
  const worker = await spawnWorker(env.config, { QUEUE_PREFIX: env.prefix, WORKER_QUEUES: 'scans', METRICS_PORT: String(port), METRICS_TOKEN: token })
  t.after(() => worker.kill())
  const url = `http://127.0.0.1:${port}/metrics`
  // The listener starts once the worker has (its "worker started" line is what spawnWorker awaits).
  await waitFor('metrics listening', async () => worker.output().includes('"metrics listening"'))
  assert.ok(!worker.output().includes(token), 'the token reached the log')

  const { jobId } = await createScanJob(env, [await gpsJpeg()])
  await enqueue(env.queues, 'scan.ingest', { scanJobId: jobId }, jobId)
  await waitFor('scan stored', async () => (await scanJob(env, jobId)).status === 'stored')

  assert.equal((await fetch(url)).status, 401)
  assert.equal((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status, 401)
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.status, 200)
  const samples = parseExposition(await res.text())
  assert.equal(sumOf(samples, 'printforge_jobs_total', { job: 'scan.ingest', outcome: 'completed', service: 'worker' }), 1)
  assert.equal(sumOf(samples, 'printforge_scan_images_total', { outcome: 'stored' }), 1)
  for (const queue of QUEUES) assert.ok(samples.some((s) => s.name === 'printforge_queue_jobs' && s.labels['queue'] === queue), `queue ${queue}`)
  assert.equal(sumOf(samples, 'printforge_database_up'), 1)
  assert.equal(sumOf(samples, 'printforge_redis_up'), 1)
  assert.ok(samples.some((s) => s.name === 'process_cpu_user_seconds_total'))
})
