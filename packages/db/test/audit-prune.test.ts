import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import pg from 'pg'
import { isPermissionDenied, SYSTEM_CONTEXT, verifyAuditChain, withTx, writeAudit, type DbContext } from '../src/index.ts'
import { ageAuditRows, useDatabase } from './helpers.ts'

const fx = useDatabase()

const prune = (context: DbContext, throughId: bigint) =>
  withTx(fx.db, context, (tx) => tx.$queryRaw<{ removed: bigint }[]>`SELECT audit_prune(${throughId}::bigint) AS removed`)
const count = () => withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.count())
const verify = () => verifyAuditChain(fx.db, SYSTEM_CONTEXT)

async function appendRows(n: number): Promise<bigint> {
  await withTx(fx.db, SYSTEM_CONTEXT, async (tx) => {
    for (let i = 0; i < n; i++) await writeAudit(tx, { actorType: 'system', actorId: 'system', action: 'quota.changed', targetId: `t${i}` })
  })
  const last = await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findFirstOrThrow({ orderBy: { id: 'desc' }, select: { id: true } }))
  return last.id
}

/** A raw app-role connection inside an open transaction with the system context. */
async function systemTransaction(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: fx.database.appUrl })
  await client.connect()
  await client.query('BEGIN')
  await client.query("SELECT set_config('app.actor_id', 'system', true), set_config('app.role', 'system', true)")
  return client
}

describe('audit_prune()', () => {
  test('only the system context may prune, even rows old enough to go', async () => {
    const last = await appendRows(3)
    await ageAuditRows(fx, last - 1n, 400)
    const others: DbContext[] = [
      { actorId: 'user_admin', role: 'admin' },
      { actorId: 'user_op', role: 'operator' },
      { actorId: 'cus_x', role: 'customer' },
      { actorId: null, role: 'anonymous' },
    ]
    for (const context of others) {
      await assert.rejects(prune(context, last - 1n), (err) => isPermissionDenied(err) && /only the system context/.test(String(err)), context.role)
    }
    const before = await count()
    const [result] = await prune(SYSTEM_CONTEXT, last - 1n)
    assert.equal(result?.removed, BigInt(before - 1))
    assert.equal(await count(), 1)
    assert.equal((await verify()).ok, true)
  })

  test('audited inserts never wait on a prune: no table lock, no DDL, not the head row', async () => {
    const last = await appendRows(4)
    await ageAuditRows(fx, last - 2n, 400)
    const pruner = await systemTransaction()
    const writer = await systemTransaction()
    try {
      const { rows } = await pruner.query<{ removed: string }>('SELECT audit_prune($1::bigint) AS removed', [String(last - 2n)])
      assert.ok(Number(rows[0]?.removed) > 0)
      // The prune's transaction is still open. An audited write must not queue behind it.
      await writer.query("SET LOCAL lock_timeout = '1s'")
      await writer.query("INSERT INTO audit_log (actor_type, actor_id, action) VALUES ('system', 'system', 'quota.changed')")
      await writer.query('COMMIT')
      // Verifying meanwhile sees the state before the prune, consistently.
      assert.equal((await verify()).ok, true)
      await pruner.query('COMMIT')
    } finally {
      await Promise.all([pruner.end(), writer.end()])
    }
    const after = await verify()
    assert.deepEqual([after.ok, after.checked], [true, 3])
  })

  test('concurrent prunes queue on the anchor; the second finds the work done', async () => {
    const last = await appendRows(3)
    await ageAuditRows(fx, last - 1n, 400)
    const first = await systemTransaction()
    const second = await systemTransaction()
    try {
      await first.query('SELECT audit_prune($1::bigint)', [String(last - 1n)])
      const waiting = second.query<{ removed: string }>('SELECT audit_prune($1::bigint) AS removed', [String(last - 1n)])
      await new Promise((r) => setTimeout(r, 200))
      await first.query('COMMIT')
      assert.equal((await waiting).rows[0]?.removed, '0')
      await second.query('COMMIT')
    } finally {
      await Promise.all([first.end(), second.end()])
    }
    assert.equal((await verify()).ok, true)
  })

  test('the prune flag opens nothing to anyone but the owner inside audit_prune()', async () => {
    await appendRows(1)
    const app = await systemTransaction()
    try {
      await app.query("SELECT set_config('printforge.audit_prune', 'on', true)")
      await assert.rejects(app.query('DELETE FROM audit_log'), /permission denied/)
    } finally {
      await app.query('ROLLBACK')
      await app.end()
    }
    // Even with DELETE granted by mistake, the trigger refuses a non-owner.
    await fx.owner.query('GRANT DELETE ON audit_log TO printforge_app')
    const granted = await systemTransaction()
    try {
      await granted.query("SELECT set_config('printforge.audit_prune', 'on', true)")
      await assert.rejects(granted.query('DELETE FROM audit_log'), /append-only/)
    } finally {
      await granted.query('ROLLBACK')
      await granted.end()
      await fx.owner.query('REVOKE DELETE ON audit_log FROM printforge_app')
    }
    assert.equal((await verify()).ok, true)
  })
})
