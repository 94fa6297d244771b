import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, chmod } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { createPrismaClient, SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { findRepoRoot, freePort, provisionDatabase, roleUrl, runCli, startPostgres } from '@printforge/devstack'
import { enqueue } from '@printforge/jobs'
import sharp from 'sharp'
import { assertAuditVerifies, createBucket, createScanJob, scanJob, startTestWorker, useWorkerEnv, waitFor, workerConfig, type WorkerTestEnv } from './helper.ts'

const env = useWorkerEnv()
const noisy = () => sharp({ create: { width: 1200, height: 900, channels: 3, background: '#777', noise: { type: 'gaussian', mean: 120, sigma: 40 } } }).jpeg().toBuffer()

test('PostgreSQL restarted under load: every scan job finishes exactly once and the chain verifies', { timeout: 180_000 }, async (t) => {
  // A cluster of its own: the shared one other test files use is never restarted.
  const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'pfw-pg-')), 'data')
  await chmod(path.dirname(dataDir), 0o755)
  const pgSettings = { dataDir, port: await freePort(), superuserPassword: randomBytes(24).toString('hex'), persistent: true }
  let postgres = await startPostgres(pgSettings)
  t.after(async () => {
    await postgres.stop()
    await rm(path.dirname(dataDir), { recursive: true, force: true })
  })
  const roles = { ownerPassword: randomBytes(24).toString('hex'), appPassword: randomBytes(24).toString('hex'), readonlyPassword: randomBytes(24).toString('hex') }
  await provisionDatabase(postgres.superuserUrl(), 'pfw', roles)
  const appUrl = roleUrl('printforge_app', roles.appPassword, pgSettings.port, 'pfw')
  await runCli(findRepoRoot(), ['migrate'], { DATABASE_URL: appUrl, DATABASE_ADMIN_URL: roleUrl('printforge_owner', roles.ownerPassword, pgSettings.port, 'pfw'), NODE_ENV: 'test' })

  const { bucket, store } = await createBucket()
  const local: WorkerTestEnv = { ...env, bucket, store, db: createPrismaClient({ url: appUrl, poolMax: 4 }) }
  t.after(() => local.db.$disconnect())
  const config = workerConfig({ appUrl, bucket }, { PRINTER_KEYS: env.config.PRINTER_KEYS })
  const worker = await startTestWorker(local, { printers: false, lockDurationMs: 3_000 }, config)
  t.after(() => worker.close())

  const image = await noisy()
  const jobs: Awaited<ReturnType<typeof createScanJob>>[] = []
  for (let i = 0; i < 6; i++) jobs.push(await createScanJob(local, Array.from({ length: 4 }, () => image)))
  for (const { jobId } of jobs) await enqueue(env.queues, 'scan.ingest', { scanJobId: jobId }, jobId)
  await waitFor('ingest under way', async () => (await scanJob(local, jobs[0]!.jobId)).images.some((i) => i.status === 'stored'))
  await postgres.stop()
  await new Promise((r) => setTimeout(r, 1_000))
  postgres = await startPostgres(pgSettings)

  for (const { jobId } of jobs) {
    await waitFor(`scan ${jobId} stored`, async () => (await scanJob(local, jobId)).status === 'stored', 90_000)
  }
  const imageIds = jobs.flatMap((j) => j.imageIds)
  const perImage = await withTx(local.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.groupBy({ by: ['targetId'], where: { action: 'scan.stored', targetId: { in: imageIds } }, _count: true }))
  assert.equal(perImage.length, imageIds.length)
  assert.ok(perImage.every((r) => r._count === 1), 'no image audited twice')
  for (const { jobId, customerId } of jobs) assert.equal((await store.listKeys(`scans/${customerId}/${jobId}/`)).length, 4)
  await assertAuditVerifies(local.db)
})
