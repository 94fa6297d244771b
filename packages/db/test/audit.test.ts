import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import pg from 'pg'
import {
  ANONYMOUS_CONTEXT,
  createPrismaClient,
  isPermissionDenied,
  SYSTEM_CONTEXT,
  verifyAuditChain,
  withTx,
  writeAudit,
  type AuditAction,
} from '../src/index.ts'
import { asOwner, customer, useDatabase } from './helpers.ts'

const fx = useDatabase()

const audit = (action: AuditAction, actorId = 'system') =>
  withTx(fx.db, SYSTEM_CONTEXT, (tx) => writeAudit(tx, { actorType: 'system', actorId, action, details: { n: 1 } }))

const verify = () => verifyAuditChain(fx.db, SYSTEM_CONTEXT)

/** A raw connection as printforge_app, for statements Prisma would never issue. */
async function asApp(sql: string) {
  const client = new pg.Client({ connectionString: fx.database.appUrl })
  await client.connect()
  try {
    await client.query("SELECT set_config('app.role', 'system', false)")
    return await client.query(sql)
  } finally {
    await client.end()
  }
}

const appendOnly = (err: unknown) => /append-only/.test(String((err as Error).message))

describe('audit log is append-only (docs/product.md §5.3)', () => {
  test('printforge_app cannot UPDATE, DELETE or TRUNCATE audit rows (grants)', async () => {
    await audit('staff.changed')
    for (const sql of ['UPDATE audit_log SET action = \'x.y\'', 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
      await assert.rejects(asApp(sql), (err: Error) => /permission denied/.test(err.message), sql)
    }
  })

  test('the owner is refused too while the triggers exist, even with no visible rows', async () => {
    for (const sql of ['UPDATE audit_log SET action = \'x.y\'', 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
      await assert.rejects(asOwner(fx.owner, [sql]), appendOnly, sql)
      // Even after lifting FORCE RLS so the owner sees every row.
      await assert.rejects(asOwner(fx.owner, ['ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY', sql]), appendOnly, sql)
    }
  })

  test('a mistakenly over-granted app role is still refused by the trigger', async () => {
    await asOwner(fx.owner, ['GRANT UPDATE, DELETE, TRUNCATE ON audit_log TO printforge_app'])
    try {
      for (const sql of ['UPDATE audit_log SET action = \'x.y\'', 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
        await assert.rejects(asApp(sql), appendOnly, sql)
      }
    } finally {
      await asOwner(fx.owner, ['REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM printforge_app'])
    }
    assert.equal((await verify()).ok, true)
  })
})

describe('audit hash chain', () => {
  test('200 concurrent inserts over parallel connections leave one unbroken, gapless chain', async () => {
    // Every insert queues on the chain head's lock, so callers wait for a connection: allow it.
    const wide = createPrismaClient({ url: fx.database.appUrl, poolMax: 25, connectionTimeoutMs: 30_000 })
    try {
      const before = await verify()
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          withTx(wide, SYSTEM_CONTEXT, (tx) => writeAudit(tx, { actorType: 'system', actorId: 'system', action: 'scan.stored', targetId: `t${i}` }), { maxWaitMs: 20_000, timeoutMs: 20_000 }),
        ),
      )
      const after = await verify()
      assert.deepEqual(after, { ok: true, checked: before.checked + 200, firstBrokenId: null })
      const ids = await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ select: { id: true }, orderBy: { id: 'asc' } }))
      ids.forEach((row, i) => assert.equal(row.id, BigInt(i + 1)))
    } finally {
      await wide.$disconnect()
    }
  })

  test('id, time and hashes are the database’s, whatever the writer sends', async () => {
    await withTx(fx.db, SYSTEM_CONTEXT, (tx) =>
      tx.auditLog.createMany({ data: [{ id: 999_999n, at: new Date('2000-01-01'), actorType: 'system', actorId: 'system', action: 'quota.changed', prevHash: 'f'.repeat(64), hash: 'e'.repeat(64) }] }),
    )
    const last = await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findFirstOrThrow({ orderBy: { id: 'desc' } }))
    assert.notEqual(last.id, 999_999n)
    assert.ok(last.at.getFullYear() > 2000)
    assert.notEqual(last.hash, 'e'.repeat(64))
    assert.equal((await verify()).ok, true)
  })
})

describe('audit writer', () => {
  test('an action whose audit insert fails leaves no trace of the action', async () => {
    const attempt = (action: string, details: Record<string, unknown>) =>
      withTx(fx.db, customer('cus_T'), async (tx) => {
        await tx.scanJob.create({ data: { customerId: 'cus_T', title: `t-${action}`, imageCount: 0 } })
        await writeAudit(tx, { actorType: 'customer', actorId: 'cus_T', action: action as AuditAction, details })
      })
    // Refused by the writer (a secret-looking field) and by the database (CHECK on the action).
    await assert.rejects(attempt('job.created', { upload: { accessCode: '12345678' } }), /secret-looking field: details.upload.accessCode/)
    await assert.rejects(attempt('NOT A VALID ACTION', {}), /audit_log_action_format/)
    const jobs = await withTx(fx.db, customer('cus_T'), (tx) => tx.scanJob.count())
    assert.equal(jobs, 0)
    // The same action with a good audit row commits both.
    await attempt('job.created', { imageCount: 0 })
    assert.equal(await withTx(fx.db, customer('cus_T'), (tx) => tx.scanJob.count()), 1)
  })

  test('an anonymous request can append auth.failed and nothing else about others', async () => {
    await withTx(fx.db, ANONYMOUS_CONTEXT, (tx) =>
      writeAudit(tx, { actorType: 'anonymous', action: 'auth.failed', ip: '203.0.113.9', details: { reason: 'expired' } }),
    )
    await assert.rejects(
      withTx(fx.db, ANONYMOUS_CONTEXT, (tx) => writeAudit(tx, { actorType: 'customer', actorId: 'cus_X', action: 'job.created' })),
      isPermissionDenied,
    )
    // A customer appends only as itself, and reads back only its own rows.
    await assert.rejects(
      withTx(fx.db, customer('cus_A'), (tx) => writeAudit(tx, { actorType: 'customer', actorId: 'cus_B', action: 'job.deleted' })),
      isPermissionDenied,
    )
    const seen = await withTx(fx.db, customer('cus_T'), (tx) => tx.auditLog.findMany())
    assert.ok(seen.length > 0 && seen.every((row) => row.actorId === 'cus_T'))
  })
})
