import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import pg from 'pg'
import { isPermissionDenied, revokeTokens, SYSTEM_CONTEXT, withTx, type DbContext } from '../src/index.ts'
import { customer, useDatabase } from './helpers.ts'

const fx = useDatabase()
const admin: DbContext = { actorId: 'user_admin', role: 'admin' }

const revoke = (context: DbContext, actorType: 'customer' | 'user', actorId: string) =>
  withTx(fx.db, context, (tx) =>
    // The audit row names the context itself (the database checks it): the system as the system.
    revokeTokens(tx, { target: { actorType, actorId }, by: { actorType: context.role === 'system' ? 'system' : 'user', actorId: context.actorId ?? '' }, reason: 'test' }),
  )

/** The cut-offs a context can see, as "type:id" strings. */
const visible = (context: DbContext) =>
  withTx(fx.db, context, async (tx) => (await tx.tokenRevocation.findMany()).map((r) => `${r.actorType}:${r.actorId}`).sort())

describe('token_revocations (docs/product.md §2)', () => {
  test("revokeTokens sets the cut-off from the database's clock, audits it, and only moves it forward", async () => {
    const [{ now }] = (await fx.owner.query<{ now: Date }>('SELECT now()')).rows as [{ now: Date }]
    const first = await revoke(admin, 'customer', 'cus_rev1')
    assert.ok(Math.abs(first.getTime() - now.getTime()) < 5_000, `${first.toISOString()} vs ${now.toISOString()}`)
    const [row] = await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { action: 'tokens.revoked', targetId: 'cus_rev1' } }))
    assert.equal(row?.actorId, 'user_admin')
    assert.equal(row?.targetType, 'customer')
    assert.deepEqual(row?.details, { revokedBefore: first.toISOString(), reason: 'test' })

    assert.ok((await revoke(admin, 'customer', 'cus_rev1')) > first)
    // A cut-off in the future (a clock that stepped back) is never pulled back by a revocation.
    const future = new Date(Date.now() + 3_600_000)
    await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.tokenRevocation.update({ where: { actorType_actorId: { actorType: 'customer', actorId: 'cus_rev1' } }, data: { revokedBefore: future } }))
    assert.equal((await revoke(admin, 'customer', 'cus_rev1')).getTime(), future.getTime())
  })

  test('each actor reads only its own cut-off, and only under its own actor type', async () => {
    await revoke(SYSTEM_CONTEXT, 'customer', 'same_id')
    await revoke(SYSTEM_CONTEXT, 'user', 'same_id')
    await revoke(SYSTEM_CONTEXT, 'customer', 'cus_other')
    assert.deepEqual(await visible(customer('same_id')), ['customer:same_id'])
    assert.deepEqual(await visible({ actorId: 'same_id', role: 'user' }), ['user:same_id'])
    // Staff contexts other than admin have no business with anyone's cut-off.
    assert.deepEqual(await visible({ actorId: 'same_id', role: 'operator' }), [])
    assert.deepEqual(await visible({ actorId: null, role: 'anonymous' }), [])
    assert.ok((await visible(admin)).includes('customer:cus_other'))
  })

  test('only admin and system contexts write; nobody deletes', async () => {
    for (const context of [customer('cus_self'), { actorId: 'user_op', role: 'operator' } as DbContext, { actorId: 'user_x', role: 'user' } as DbContext]) {
      await assert.rejects(revoke(context, context.role === 'customer' ? 'customer' : 'user', context.actorId!), isPermissionDenied, context.role)
    }
    await revoke(admin, 'user', 'user_gone')
    await assert.rejects(
      withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.tokenRevocation.deleteMany({ where: { actorId: 'user_gone' } })),
      isPermissionDenied,
    )
  })

  test('printforge_readonly reads every cut-off', async () => {
    await revoke(admin, 'customer', 'cus_analytics')
    const client = new pg.Client({ connectionString: fx.database.readonlyUrl })
    await client.connect()
    try {
      const { rows } = await client.query("SELECT actor_id FROM token_revocations WHERE actor_id = 'cus_analytics'")
      assert.equal(rows.length, 1)
    } finally {
      await client.end()
    }
  })
})
