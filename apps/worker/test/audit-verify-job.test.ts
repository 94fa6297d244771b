import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { AuditVerifyIncomplete, createPrismaClient, loadVerifyCheckpoint, SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { createTestDatabase, runSql, type TestDatabase } from '@printforge/devstack'
import { pino } from 'pino'
import { AUDIT_ALERT, AUDIT_VERIFY_INCOMPLETE_ALERT, createAuditVerify } from '../src/handlers/maintenance-audit-verify.ts'
import type { JobContext } from '../src/processor.ts'

const ROWS = 3_000
let database: TestDatabase
let db: Db

before(async () => {
  database = await createTestDatabase()
  db = createPrismaClient({ url: database.appUrl, poolMax: 2 })
  // Through the real chain trigger, in one transaction on one connection.
  await runSql(database.appUrl, [
    'BEGIN',
    "SELECT set_config('app.actor_id', 'system', true), set_config('app.role', 'system', true)",
    `INSERT INTO audit_log (actor_type, actor_id, action, target_id) SELECT 'system', 'system', 'scan.stored', 'img-' || g FROM generate_series(1, ${ROWS}) g`,
    'COMMIT',
  ])
})
after(async () => {
  await db?.$disconnect()
  await database?.drop()
})

const context = (finalAttempt: boolean): JobContext => ({ jobId: 'v', attempt: finalAttempt ? 3 : 1, finalAttempt, signal: new AbortController().signal, log: pino({ level: 'silent' }) })

function capture() {
  const lines: { alert?: string; level: number; msg: string; throughId?: string; firstBrokenId?: string }[] = []
  const log = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, done) => (lines.push(JSON.parse(c.toString())), done()) }))
  return { log, lines, alerts: () => lines.filter((l) => l.alert === AUDIT_VERIFY_INCOMPLETE_ALERT) }
}

describe('maintenance.audit-verify: resumable, and loud when it cannot finish', () => {
  test('a run over its time budget alerts, keeps its checkpoint, and the next attempt resumes there', async () => {
    const first = capture()
    await assert.rejects(createAuditVerify({ db, log: first.log, budgetMs: 0, batchRows: 1_000 })({}, context(false)), AuditVerifyIncomplete)
    assert.equal(first.alerts().length, 1)
    assert.equal(first.alerts()[0]?.level, 50)
    const checkpoint = await loadVerifyCheckpoint(db)
    assert.deepEqual([checkpoint?.position.throughId, checkpoint?.position.checked], ['1000', 1_000])

    // Proof that the rows before the checkpoint are not read again: one of them is tampered with
    // now; a restarted run would report it, the resumed one goes on from row 1000 (the next
    // nightly run, starting at the anchor, catches it).
    await runSql(database.superuserUrl, [
      'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only',
      `UPDATE audit_log SET details = '{"tampered": true}' WHERE id = 500`,
      'ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only',
    ])
    const second = capture()
    await createAuditVerify({ db, log: second.log, batchRows: 1_000 })({}, context(false))
    assert.equal(second.lines.find((l) => l.msg === 'resuming audit verification')?.throughId, '1000')
    assert.equal(second.alerts().length, 0)
    const runs = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.auditVerificationRun.findMany())
    assert.deepEqual(runs.map((r) => [r.ok, r.checked, r.source, r.actorId, r.startedAt.getTime()]), [[true, BigInt(ROWS), 'nightly', 'system', checkpoint?.startedAt.getTime()]])
    assert.equal(await loadVerifyCheckpoint(db), null)
    // The next run starts at the anchor again and finds the row.
    const third = capture()
    await createAuditVerify({ db, log: third.log })({}, context(false))
    assert.equal(third.lines.find((l) => l.alert === AUDIT_ALERT)?.firstBrokenId, '500')
  })

  test('a failure alerts on the final attempt only; earlier attempts are retried quietly', async () => {
    const unreachable = createPrismaClient({ url: 'postgresql://nobody:nothing@127.0.0.1:1/none', poolMax: 1, connectionTimeoutMs: 500 })
    try {
      const early = capture()
      await assert.rejects(createAuditVerify({ db: unreachable, log: early.log })({}, context(false)))
      assert.equal(early.alerts().length, 0)
      const last = capture()
      await assert.rejects(createAuditVerify({ db: unreachable, log: last.log })({}, context(true)))
      assert.equal(last.alerts().length, 1)
    } finally {
      await unreachable.$disconnect()
    }
  })
})
