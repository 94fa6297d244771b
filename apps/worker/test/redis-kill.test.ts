// Redis SIGKILLed mid-job (docs/product.md §6 "nothing lost"). This file runs its own Redis without AOF,
// so the restart comes back empty: the worst case, where every queue entry is gone and only
// PostgreSQL remembers what was accepted.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { after, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { freePort, startRedis, type RunningRedis } from '@printforge/devstack'
import { enqueue } from '@printforge/jobs'
import pino from 'pino'
import sharp from 'sharp'
import { assertAuditVerifies, createScanJob, scanJob, startTestWorker, useWorker, useWorkerEnv, waitFor } from './helper.ts'

const port = await freePort()
const password = randomBytes(24).toString('base64url')
const dir = await mkdtemp(path.join(os.tmpdir(), 'pfw-redis-kill-'))
const startOwnRedis = () => startRedis({ port, password, dir, appendOnly: false })
let redis: RunningRedis = await startOwnRedis()

const env = useWorkerEnv({ REDIS_URL: redis.url })
// The sweep every second for rows idle 2 s (production: every minute, rows idle a minute).
useWorker(env, { printers: false, schedules: { sweepEveryMs: 1_000 }, sweepMinAgeMs: 2_000, lockDurationMs: 3_000, stalledIntervalMs: 3_000 })
// Declared after the helpers so it runs after them (after hooks run in declaration order): the
// worker and the queues close against a live Redis, or their commands wait for it forever.
after(async () => {
  await redis.stop()
  await rm(dir, { recursive: true, force: true })
})

test('Redis SIGKILLed mid-scan and restarted empty: every accepted job finishes exactly once', async () => {
  const image = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#777', noise: { type: 'gaussian', mean: 120, sigma: 40 } } }).jpeg().toBuffer()
  const running = await createScanJob(env, Array.from({ length: 60 }, () => image))
  await enqueue(env.queues, 'scan.ingest', { scanJobId: running.jobId }, running.jobId)
  await waitFor('some images stored', async () => (await scanJob(env, running.jobId)).images.filter((i) => i.status === 'stored').length >= 3)

  redis.process.kill('SIGKILL')
  await new Promise((resolve) => redis.process.once('exit', resolve))
  // Accepted while Redis was gone: the row committed, the enqueue never happened (the API's
  // enqueueAfterCommit logs and returns false in exactly this case).
  const accepted = await createScanJob(env, [image, image])
  await new Promise((r) => setTimeout(r, 1_000))
  assert.notEqual((await scanJob(env, running.jobId)).status, 'stored', 'still mid-job when Redis comes back')
  redis = await startOwnRedis()

  for (const { jobId, imageIds, customerId } of [running, accepted]) {
    const job = await waitFor(`scan ${jobId} stored`, async () => {
      const j = await scanJob(env, jobId)
      return j.status === 'stored' ? j : null
    }, 90_000)
    assert.equal(job.images.filter((i) => i.status === 'stored').length, imageIds.length)
    assert.equal((await env.store.listKeys(`scans/${customerId}/${jobId}/`)).length, imageIds.length)
    assert.deepEqual(await env.store.listKeys(`quarantine/${jobId}/`), [])
    const audits = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { action: 'scan.stored', targetId: { in: [...imageIds, jobId] } } }))
    assert.equal(audits.length, imageIds.length + 1, 'each image and the job audited exactly once')
  }
  await assertAuditVerifies(env.db)
})

test('the outage is logged once each way; a deliberate shutdown is not an outage', async () => {
  const lines: string[] = []
  const logger = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }))
  const worker = await startTestWorker(env, { printers: false, logger })
  const count = (text: string) => lines.filter((l) => l.includes(text)).length
  redis.process.kill('SIGKILL')
  await new Promise((resolve) => redis.process.once('exit', resolve))
  await waitFor('outage logged', () => count('Redis connection lost') > 0)
  await new Promise((r) => setTimeout(r, 1_500)) // reconnect attempts fail meanwhile
  redis = await startOwnRedis()
  await waitFor('schedules re-asserted', () => count('maintenance schedules re-asserted') > 0, 15_000)
  assert.equal(count('Redis connection lost'), 1, 'once per outage, not per retry')
  assert.equal(count('Redis connection back'), 1)
  await worker.close()
  await new Promise((r) => setTimeout(r, 300)) // the socket's 'close' event comes after close() resolves
  assert.equal(count('Redis connection lost'), 1, 'closing on purpose is not an outage')
})
