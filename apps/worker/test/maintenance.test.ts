import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { isPermissionDenied, SYSTEM_CONTEXT, withTx, writeAudit } from '@printforge/db'
import { ageAuditRows, runSql } from '@printforge/devstack'
import { jobIdFor } from '@printforge/jobs'
import { modelKey } from '@printforge/storage'
import { pino } from 'pino'
import { pruneAudit } from '../src/audit-prune.ts'
import { AUDIT_ALERT, createAuditVerify } from '../src/handlers/maintenance-audit-verify.ts'
import { createRetention } from '../src/handlers/maintenance-retention.ts'
import { createSweep, MAX_REQUEUES } from '../src/handlers/maintenance-sweep.ts'
import { assertAuditVerifies, createPrintJob, createScanJob, silent, useWorkerEnv } from './helper.ts'
import { gpsJpeg } from './images.ts'

const env = useWorkerEnv()
const ctx = { jobId: 'm', attempt: 1, finalAttempt: false, signal: new AbortController().signal, log: silent }
const DAY = 86_400_000

test('the sweep re-enqueues waiting rows without a live queue job, once', async () => {
  const sweep = createSweep({ db: env.db, store: env.store, queues: env.queues, log: silent, minAgeMs: 0 })
  const scan = await createScanJob(env, [await gpsJpeg()])
  const print = await createPrintJob(env, { requestedModel: 'X1C' }, false)
  await sweep({}, ctx)
  const scanQueued = await env.queues.scans.getJob(jobIdFor('scan.ingest', scan.jobId))
  const printQueued = await env.queues.prints.getJob(jobIdFor('print.dispatch', print))
  assert.ok(scanQueued && printQueued)
  assert.deepEqual(scanQueued.data, { scanJobId: scan.jobId })
  await sweep({}, ctx) // still waiting: not added again
  assert.equal((await env.queues.scans.getJobs(['waiting'])).filter((j) => j.data.scanJobId === scan.jobId).length, 1)
  // A queue job that already failed no longer speaks for the row: it is replaced.
  await scanQueued.remove()
  await env.queues.scans.add('scan.ingest', { scanJobId: scan.jobId }, { jobId: jobIdFor('scan.ingest', scan.jobId) })
  const stale = await env.queues.scans.getJob(jobIdFor('scan.ingest', scan.jobId))
  await stale?.moveToFailed(new Error('gave up'), '0', false).catch(() => {})
  await sweep({}, ctx)
  assert.equal(await (await env.queues.scans.getJob(jobIdFor('scan.ingest', scan.jobId)))?.getState(), 'waiting')
})

test('a job the sweep has re-enqueued MAX_REQUEUES times fails for good instead of forever', async () => {
  const sweep = createSweep({ db: env.db, store: env.store, queues: env.queues, log: silent, minAgeMs: 0 })
  const scan = await createScanJob(env, [await gpsJpeg()])
  const print = await createPrintJob(env, { requestedModel: 'X1C' }, false)
  await withTx(env.db, SYSTEM_CONTEXT, async (tx) => {
    await tx.scanJob.update({ where: { id: scan.jobId }, data: { status: 'processing', requeues: MAX_REQUEUES } })
    await tx.manufacturingJob.update({ where: { id: print }, data: { requeues: MAX_REQUEUES } })
  })
  await sweep({}, ctx)
  const job = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.findUniqueOrThrow({ where: { id: scan.jobId }, include: { images: true } }))
  assert.equal(job.status, 'failed')
  assert.match(job.failureReason ?? '', /gave up/)
  assert.deepEqual(job.images.map((i) => i.status), ['failed'])
  assert.deepEqual(await env.store.listKeys(`quarantine/${scan.jobId}/`), [])
  assert.equal(await env.queues.scans.getJob(jobIdFor('scan.ingest', scan.jobId)), undefined, 'not re-enqueued')
  const printRow = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.manufacturingJob.findUniqueOrThrow({ where: { id: print } }))
  assert.deepEqual([printRow.status, printRow.errorCode], ['failed', 'RETRIES_EXHAUSTED'])
  const audit = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { targetId: { in: [scan.jobId, print] } }, orderBy: { id: 'asc' } }))
  assert.ok(audit.some((a) => a.action === 'scan.failed' && a.targetId === scan.jobId))
  assert.ok(audit.some((a) => a.action === 'manufacturing.failed' && a.targetId === print))
  // Below the cap the row is re-enqueued and the count goes up.
  const again = await createScanJob(env, [await gpsJpeg()])
  await sweep({}, ctx)
  assert.equal((await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.findUniqueOrThrow({ where: { id: again.jobId } }))).requeues, 1)
})

test('the sweep drains the deletion outbox: objects whose removal failed earlier go once storage answers', async () => {
  const sweep = createSweep({ db: env.db, store: env.store, queues: env.queues, log: silent, minAgeMs: 0 })
  const scan = await createScanJob(env, [await gpsJpeg(), await gpsJpeg()])
  await withTx(env.db, SYSTEM_CONTEXT, async (tx) => {
    await tx.scanJob.delete({ where: { id: scan.jobId } })
    await tx.objectDeletion.createMany({ data: [{ key: `quarantine/${scan.jobId}/`, reason: 'job.deleted', attempts: 3, nextAttemptAt: new Date(Date.now() - 1) }] })
  })
  await sweep({}, ctx)
  assert.deepEqual(await env.store.listKeys(`quarantine/${scan.jobId}/`), [])
  assert.equal(await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.count()), 0)
})

test('retention deletes old terminal jobs with their objects and keeps everything else', async () => {
  const old = new Date(Date.now() - 100 * DAY)
  const oldScan = await createScanJob(env, [await gpsJpeg()])
  const recentScan = await createScanJob(env, [await gpsJpeg()])
  const oldQueued = await createScanJob(env, [await gpsJpeg()])
  const oldPrint = await createPrintJob(env, { requestedModel: 'X1C' }, false)
  await withTx(env.db, SYSTEM_CONTEXT, async (tx) => {
    await tx.scanJob.update({ where: { id: oldScan.jobId }, data: { status: 'stored', finishedAt: old } })
    await tx.scanJob.update({ where: { id: recentScan.jobId }, data: { status: 'stored', finishedAt: new Date() } })
    await tx.$executeRaw`UPDATE scan_jobs SET updated_at = ${old} WHERE id = ${oldQueued.jobId}::uuid`
    await tx.manufacturingJob.update({ where: { id: oldPrint }, data: { status: 'completed', finishedAt: old } })
  })
  await createRetention({ db: env.db, store: env.store, log: silent, jobRetentionDays: 90, auditRetentionDays: 365 })({}, ctx)
  const remaining = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.findMany({ select: { id: true } }))
  const ids = remaining.map((r) => r.id)
  assert.ok(!ids.includes(oldScan.jobId))
  assert.ok(ids.includes(recentScan.jobId) && ids.includes(oldQueued.jobId))
  assert.deepEqual(await env.store.listKeys(`quarantine/${oldScan.jobId}/`), [])
  assert.equal((await env.store.listKeys(`quarantine/${recentScan.jobId}/`)).length, 1)
  assert.equal(await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.manufacturingJob.count({ where: { id: oldPrint } })), 0)
  assert.deepEqual(await env.store.listKeys(modelKey(oldPrint)), [])
  const audit = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { action: 'job.deleted' } }))
  assert.deepEqual(audit.map((a) => a.targetId).sort(), [oldScan.jobId, oldPrint].sort())
})


test('audit retention exports then prunes old rows, re-anchors the chain, and refuses recent history', async () => {
  await withTx(env.db, SYSTEM_CONTEXT, async (tx) => {
    for (let i = 0; i < 5; i++) await writeAudit(tx, { actorType: 'system', actorId: 'system', action: 'quota.changed', targetId: `t${i}` })
  })
  const rows = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ orderBy: { id: 'asc' }, select: { id: true } }))
  const through = rows[rows.length - 3]!.id
  await ageAuditRows(env.database.superuserUrl, through, 400)
  await assertAuditVerifies(env.db)

  // The app role cannot prune recent rows, even calling the function itself.
  await assert.rejects(withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw`SELECT audit_prune(${rows.at(-1)!.id}::bigint)`), (err) => isPermissionDenied(err))

  const result = await pruneAudit({ db: env.db, store: env.store, log: silent }, 365)
  assert.equal(result.pruned, Number(through - rows[0]!.id + 1n))
  const left = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ orderBy: { id: 'asc' }, select: { id: true } }))
  assert.equal(left[0]?.id, through + 1n)
  await assertAuditVerifies(env.db)
  const chunks: Buffer[] = []
  for await (const c of await env.store.getStream(result.exportKey as string)) chunks.push(c as Buffer)
  const exported = Buffer.concat(chunks).toString().trim().split('\n').map((l) => JSON.parse(l) as { id: string; hash: string })
  assert.equal(exported.length, result.pruned)
  assert.equal(exported.at(-1)?.id, String(through))
  // Still append-only for the app role outside the function.
  await assert.rejects(withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.$executeRaw`DELETE FROM audit_log`))
})

test('nightly verification raises an alert when the chain was tampered with', async () => {
  const lines: string[] = []
  const log = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }))
  const verify = createAuditVerify({ db: env.db, log })
  await verify({}, ctx)
  assert.ok(!lines.some((l) => l.includes(AUDIT_ALERT)))
  await runSql(env.database.superuserUrl, [
    'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only',
    `UPDATE audit_log SET details = '{"tampered":true}' WHERE id = (SELECT max(id) FROM audit_log)`,
    'ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only',
  ])
  await verify({}, ctx)
  const alert = lines.map((l) => JSON.parse(l) as { alert?: string; level: number; firstBrokenId?: string }).find((l) => l.alert === AUDIT_ALERT)
  assert.ok(alert)
  assert.equal(alert.level, 50)
  assert.ok(alert.firstBrokenId)
})
