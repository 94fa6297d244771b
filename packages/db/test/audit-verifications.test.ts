import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  isPermissionDenied,
  loadVerifyCheckpoint,
  recordAuditVerification,
  saveVerifyCheckpoint,
  SYSTEM_CONTEXT,
  verifyAndRecordAuditChain,
  walkAuditChain,
  withTx,
  type DbContext,
} from '../src/index.ts'
import { appendAuditRows, useDatabase } from './helpers.ts'

const fx = useDatabase()
const ADMIN: DbContext = { actorId: 'user_admin', role: 'admin' }
const runs = () => withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.auditVerificationRun.findMany({ orderBy: { id: 'asc' } }))
const checkpointRows = (context: DbContext) =>
  withTx(fx.db, context, (tx) => tx.$queryRaw<{ through_id: bigint }[]>`SELECT through_id FROM audit_verify_checkpoint`)

describe('finished verifications are recorded (audit_verifications)', () => {
  test('each run appends time, verdict, rows checked and who ran it', async () => {
    const head = await appendAuditRows(fx, 2_500)
    const result = await verifyAndRecordAuditChain(fx.db, ADMIN, 'api', { batchRows: 1_000 })
    assert.deepEqual(result, { ok: true, checked: 2_500, firstBrokenId: null })
    const [run] = await runs()
    assert.ok(run)
    assert.deepEqual(
      [run.ok, run.checked, run.firstBrokenId, run.throughId, run.source, run.actorId],
      [true, 2_500n, null, head, 'api', 'user_admin'],
    )
    assert.ok(run.finishedAt >= run.startedAt)
  })

  test('only admin and system contexts read or append, and only in their own name', async () => {
    const walk = await walkAuditChain(fx.db, SYSTEM_CONTEXT)
    const run = { startedAt: new Date(), source: 'api' as const, walk }
    for (const context of [{ actorId: 'cus_x', role: 'customer' }, { actorId: 'user_op', role: 'operator' }] as const) {
      await assert.rejects(recordAuditVerification(fx.db, context, run), isPermissionDenied, context.role)
      assert.equal(await withTx(fx.db, context, (tx) => tx.auditVerificationRun.count()), 0, `${context.role} reads runs`)
    }
    await assert.rejects(
      withTx(fx.db, ADMIN, (tx) => tx.auditVerificationRun.createMany({ data: [{ startedAt: new Date(), ok: true, checked: 1n, throughId: 1n, source: 'api', actorId: 'user_someone_else' }] })),
      isPermissionDenied,
    )
    // Runs are history: the app role neither rewrites nor removes them.
    await assert.rejects(withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.auditVerificationRun.updateMany({ data: { ok: false } })), isPermissionDenied)
    await assert.rejects(withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.auditVerificationRun.deleteMany()), isPermissionDenied)
  })
})

describe('the nightly checkpoint (audit_verify_checkpoint)', () => {
  test('saved and loaded by the system, cleared when the run is recorded', async () => {
    const startedAt = new Date(Date.now() - 60_000)
    const position = { throughId: '1000', hash: 'a'.repeat(64), checked: 1_000 }
    await saveVerifyCheckpoint(fx.db, { startedAt, position })
    await saveVerifyCheckpoint(fx.db, { startedAt, position: { ...position, throughId: '2000', checked: 2_000 } })
    const loaded = await loadVerifyCheckpoint(fx.db)
    assert.deepEqual(loaded, { startedAt, position: { throughId: '2000', hash: 'a'.repeat(64), checked: 2_000 } })
    const walk = await walkAuditChain(fx.db, SYSTEM_CONTEXT)
    await recordAuditVerification(fx.db, SYSTEM_CONTEXT, { startedAt, source: 'nightly', walk, clearCheckpoint: true })
    assert.equal(await loadVerifyCheckpoint(fx.db), null)
  })

  test('a checkpoint from an abandoned run (over a day old) is not resumed', async () => {
    const startedAt = new Date(Date.now() - 25 * 3_600_000)
    await saveVerifyCheckpoint(fx.db, { startedAt, position: { throughId: '5', hash: 'b'.repeat(64), checked: 5 } })
    assert.equal(await loadVerifyCheckpoint(fx.db), null)
  })

  test('no context but the system reads or writes it', async () => {
    await saveVerifyCheckpoint(fx.db, { startedAt: new Date(), position: { throughId: '7', hash: 'c'.repeat(64), checked: 7 } })
    assert.equal((await checkpointRows(ADMIN)).length, 0)
    assert.equal((await checkpointRows(SYSTEM_CONTEXT)).length, 1)
    await assert.rejects(
      withTx(fx.db, ADMIN, (tx) => tx.$executeRaw`INSERT INTO audit_verify_checkpoint (id, started_at, through_id, through_hash, checked) VALUES (1, now(), 1, ${'d'.repeat(64)}, 1) ON CONFLICT (id) DO NOTHING`),
      isPermissionDenied,
    )
  })
})
