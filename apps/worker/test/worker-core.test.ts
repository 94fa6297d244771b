import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { freePort, startRedis } from '@printforge/devstack'
import { enqueue } from '@printforge/jobs'
import { Redis } from 'ioredis'
import sharp from 'sharp'
import { createScanJob, scanJob, startTestWorker, useWorkerEnv, waitFor, workerConfig } from './helper.ts'

const env = useWorkerEnv()

test('refuses to start on a Redis whose maxmemory-policy is not noeviction', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pfw-redis-'))
  const redis = await startRedis({ port: await freePort(), password: randomBytes(24).toString('hex'), dir, appendOnly: false })
  t.after(async () => {
    await redis.stop()
    await rm(dir, { recursive: true, force: true })
  })
  const admin = new Redis(redis.url)
  t.after(() => admin.disconnect())
  await admin.config('SET', 'maxmemory-policy', 'allkeys-lru')
  const config = workerConfig({ appUrl: env.database.appUrl, bucket: env.bucket, redisUrl: redis.url }, { PRINTER_KEYS: env.config.PRINTER_KEYS })
  await assert.rejects(startTestWorker(env, { printers: false }, config), /maxmemory-policy is allkeys-lru/)
  await admin.config('SET', 'maxmemory-policy', 'noeviction')
  const worker = await startTestWorker(env, { printers: false }, config)
  await worker.close()
})

test('refuses to start as a database role that could bypass RLS or rewrite the audit log', async () => {
  const config = workerConfig({ appUrl: env.database.ownerUrl, bucket: env.bucket }, { PRINTER_KEYS: env.config.PRINTER_KEYS })
  await assert.rejects(startTestWorker(env, { printers: false }, config), /Refusing to start: database role "printforge_owner"/)
})

test('unknown job names and invalid payloads fail at once, without retries or handler calls', async (t) => {
  const worker = await startTestWorker(env, { printers: false })
  t.after(() => worker.close())
  const retry = { attempts: 3, backoff: { type: 'fixed', delay: 10 } }
  const unknown = await env.queues.scans.add('scan.evil', { scanJobId: randomUUID() }, retry)
  // A valid name on the wrong queue is as suspicious as an unknown one.
  const misplaced = await env.queues.scans.add('print.dispatch', { manufacturingJobId: randomUUID() }, retry)
  const extra = await env.queues.scans.add('scan.ingest', { scanJobId: randomUUID(), customerId: 'cus_x' }, retry)
  const notUuid = await env.queues.scans.add('scan.ingest', { scanJobId: '../../etc' }, retry)
  for (const [job, reason] of [[unknown, /unknown job scan\.evil/], [misplaced, /unknown job print\.dispatch/], [extra, /invalid scan\.ingest payload/], [notUuid, /invalid scan\.ingest payload/]] as const) {
    const failed = await waitFor(`job ${job.name} failed`, async () => {
      const j = await env.queues.scans.getJob(String(job.id))
      return j && (await j.getState()) === 'failed' ? j : null
    })
    assert.match(failed.failedReason, reason)
    assert.equal(failed.attemptsMade, 1, 'unrecoverable: never retried')
  }
})

test('shutdown hands an interrupted job back without spending an attempt; the next worker finishes it', async (t) => {
  const image = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer()
  const { jobId, customerId } = await createScanJob(env, Array.from({ length: 16 }, () => image))
  const first = await startTestWorker(env, { printers: false }, { ...env.config, SHUTDOWN_GRACE_MS: 200 })
  await enqueue(env.queues, 'scan.ingest', { scanJobId: jobId }, jobId)
  await waitFor('first image stored', async () => (await scanJob(env, jobId)).images.some((i) => i.status === 'stored'))
  await first.close()
  const queued = await env.queues.scans.getJob(`scan.ingest-${jobId}`)
  assert.ok(queued)
  assert.equal(await queued.getState(), 'waiting')
  assert.equal(queued.attemptsMade, 0)
  const partial = await scanJob(env, jobId)
  assert.equal(partial.status, 'processing')
  assert.ok(partial.images.some((i) => i.status === 'quarantined'), 'interrupted mid-job')

  const second = await startTestWorker(env, { printers: false })
  t.after(() => second.close())
  const done = await waitFor('job stored', async () => {
    const j = await scanJob(env, jobId)
    return j.status === 'stored' ? j : null
  })
  assert.equal(done.images.filter((i) => i.status === 'stored').length, 16)
  assert.equal((await env.store.listKeys(`scans/${customerId}/${jobId}/`)).length, 16)
})
