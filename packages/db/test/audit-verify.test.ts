import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import pg from 'pg'
import {
  AuditVerifyIncomplete,
  createPrismaClient,
  isPermissionDenied,
  sqlState,
  SYSTEM_CONTEXT,
  verifyAuditChain,
  walkAuditChain,
  withTx,
  type AuditChainPosition,
} from '../src/index.ts'
import { ageAuditRows, appendAuditRows, tamperAuditRow, useDatabase } from './helpers.ts'

const fx = useDatabase()
// Large enough that one statement over it takes hundreds of milliseconds even on a fast machine.
const ROWS = 40_000
let head = 0n

describe('batched verification of the audit chain', () => {
  before(async () => {
    head = await appendAuditRows(fx, ROWS)
  })

  test('a log of many batches verifies, batch after batch, reporting progress', async () => {
    const progress: AuditChainPosition[] = []
    const result = await verifyAuditChain(fx.db, SYSTEM_CONTEXT, { batchRows: 1_000, onProgress: async (p) => void progress.push(p) })
    assert.deepEqual(result, { ok: true, checked: ROWS, firstBrokenId: null })
    assert.equal(progress.length, ROWS / 1_000) // the last full batch cannot know it was the last
    assert.deepEqual(progress.slice(0, 2).map((p) => [p.throughId, p.checked]), [['1000', 1_000], ['2000', 2_000]])
  })

  test('a row tampered with in a later batch is named by its id', async () => {
    const victim = head - 1_234n
    const undo = await tamperAuditRow(fx, victim)
    try {
      const result = await verifyAuditChain(fx.db, SYSTEM_CONTEXT, { batchRows: 1_000 })
      assert.deepEqual(result, { ok: false, checked: Number(victim), firstBrokenId: victim.toString() })
    } finally {
      await undo()
    }
    assert.equal((await verifyAuditChain(fx.db, SYSTEM_CONTEXT, { batchRows: 1_000 })).ok, true)
  })

  test('the newest rows removed behind the head’s back are found too', async () => {
    // Inside the tamperer's own open transaction (it never commits): the rows are gone there.
    const client = new pg.Client({ connectionString: fx.database.superuserUrl })
    await client.connect()
    try {
      await client.query('BEGIN')
      await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
      await client.query('DELETE FROM audit_log WHERE id > $1', [String(head - 3n)])
      await client.query("SELECT set_config('app.role', 'system', true)")
      const { rows } = await client.query('SELECT ok, first_broken_id FROM audit_verify_range(NULL, NULL, 5000)')
      assert.deepEqual(rows[0], { ok: true, first_broken_id: null }) // a full first batch
      const end = await client.query('SELECT ok, first_broken_id FROM audit_verify_range($1, (SELECT hash FROM audit_log WHERE id = $1), 100000)', ['5000'])
      assert.deepEqual(end.rows[0], { ok: false, first_broken_id: String(head - 2n) })
    } finally {
      await client.query('ROLLBACK')
      await client.end()
    }
  })

  test('under a statement timeout a single-statement verify cannot finish; the batched one can', async () => {
    // Measure what one statement over the whole log takes here (warm), then allow a quarter of it.
    await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw`SELECT * FROM audit_verify()`, { timeoutMs: 60_000 })
    const started = performance.now()
    await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw`SELECT * FROM audit_verify()`, { timeoutMs: 60_000 })
    const whole = performance.now() - started
    // At least 60 ms, so a loaded machine's scheduling jitter does not cancel a short batch.
    const statementTimeoutMs = Math.max(60, Math.round(whole / 4))
    const tight = createPrismaClient({ url: fx.database.appUrl, poolMax: 1, statementTimeoutMs })
    try {
      await assert.rejects(withTx(tight, SYSTEM_CONTEXT, (tx) => tx.$queryRaw`SELECT * FROM audit_verify()`), (err) => sqlState(err) === '57014', `one statement over ${whole.toFixed(0)} ms of work under a ${statementTimeoutMs} ms timeout`)
      // Batches of 1/200 of the log take ~1/50 of the timeout each.
      const result = await verifyAuditChain(tight, SYSTEM_CONTEXT, { batchRows: ROWS / 200 })
      assert.deepEqual(result, { ok: true, checked: ROWS, firstBrokenId: null }, `statement_timeout ${statementTimeoutMs} ms, whole log ${whole.toFixed(0)} ms`)
    } finally {
      await tight.$disconnect()
    }
  })

  test('a run stopped by its deadline resumes where it stopped', async () => {
    let stopped: AuditChainPosition | undefined
    await assert.rejects(walkAuditChain(fx.db, SYSTEM_CONTEXT, { batchRows: 4_000, deadline: 0 }), (err) => {
      stopped = (err as AuditVerifyIncomplete).position
      return err instanceof AuditVerifyIncomplete
    })
    assert.deepEqual([stopped?.throughId, stopped?.checked], ['4000', 4_000])
    const rest = await walkAuditChain(fx.db, SYSTEM_CONTEXT, { batchRows: 4_000, resumeFrom: stopped })
    assert.deepEqual([rest.ok, rest.checked, rest.through.throughId], [true, ROWS, head.toString()])
    // A forged resume point (right id, wrong hash) does not pass for verified.
    const forged = await walkAuditChain(fx.db, SYSTEM_CONTEXT, { resumeFrom: { throughId: '4000', hash: 'f'.repeat(64), checked: 0 } })
    assert.deepEqual([forged.ok, forged.firstBrokenId], [false, '4001'])
  })

  test('a prune between two batches does not pass for a break', async () => {
    await ageAuditRows(fx, 3_000n, 400)
    const stopped = await walkAuditChain(fx.db, SYSTEM_CONTEXT, { batchRows: 1_000, deadline: 0 }).then(
      () => assert.fail('the deadline did not stop the walk'),
      (err: AuditVerifyIncomplete) => err.position,
    )
    await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw`SELECT audit_prune(3000::bigint)`)
    const rest = await walkAuditChain(fx.db, SYSTEM_CONTEXT, { batchRows: 1_000, resumeFrom: stopped })
    assert.equal(rest.ok, true)
    assert.equal((await verifyAuditChain(fx.db, SYSTEM_CONTEXT)).checked, ROWS - 3_000)
  })

  test('only contexts that see every row may verify', async () => {
    for (const context of [{ actorId: 'cus_x', role: 'customer' as const }, { actorId: 'user_op', role: 'operator' as const }]) {
      await assert.rejects(verifyAuditChain(fx.db, context), isPermissionDenied, context.role)
    }
    assert.equal((await verifyAuditChain(fx.db, { actorId: 'user_admin', role: 'admin' })).ok, true)
  })
})
