import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isPermissionDenied, SYSTEM_CONTEXT, verifyAuditChain, withTx, writeAudit, type DbContext } from '../src/index.ts'
import { ageAuditRows, useDatabase } from './helpers.ts'

const fx = useDatabase()

const prune = (context: DbContext, throughId: bigint) =>
  withTx(fx.db, context, (tx) => tx.$queryRaw<{ removed: bigint }[]>`SELECT audit_prune(${throughId}::bigint) AS removed`)
const count = () => withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.count())

describe('audit_prune()', () => {
  test('only the system context may prune, even rows old enough to go', async () => {
    await withTx(fx.db, SYSTEM_CONTEXT, async (tx) => {
      for (let i = 0; i < 3; i++) await writeAudit(tx, { actorType: 'system', actorId: 'system', action: 'quota.changed', targetId: `t${i}` })
    })
    await ageAuditRows(fx, 2n, 400)
    const others: DbContext[] = [
      { actorId: 'user_admin', role: 'admin' },
      { actorId: 'user_op', role: 'operator' },
      { actorId: 'cus_x', role: 'customer' },
      { actorId: null, role: 'anonymous' },
    ]
    for (const context of others) {
      await assert.rejects(prune(context, 2n), (err) => isPermissionDenied(err) && /only the system context/.test(String(err)), context.role)
    }
    assert.equal(await count(), 3)
    const [result] = await prune(SYSTEM_CONTEXT, 2n)
    assert.equal(result?.removed, 2n)
    assert.equal(await count(), 1)
    assert.equal((await withTx(fx.db, SYSTEM_CONTEXT, verifyAuditChain)).ok, true)
  })
})
