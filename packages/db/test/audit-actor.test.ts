import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isPermissionDenied, withTx, writeAudit, type AuditEntry, type DbContext } from '../src/index.ts'
import { useDatabase } from './helpers.ts'

const fx = useDatabase()

type Actor = Pick<AuditEntry, 'actorType' | 'actorId'>

const append = (context: DbContext, actor: Actor) =>
  withTx(fx.db, context, (tx) => writeAudit(tx, { ...actor, action: 'data.exported', details: { probe: true } }))

/** Each context, the one actor it may write as, and actors it must not impersonate. */
const cases: { context: DbContext; self: Actor; others: Actor[] }[] = [
  {
    context: { actorId: 'cus_x', role: 'customer' },
    self: { actorType: 'customer', actorId: 'cus_x' },
    others: [
      { actorType: 'system', actorId: 'cus_x' },
      { actorType: 'system', actorId: 'system' },
      { actorType: 'customer', actorId: 'cus_y' },
      { actorType: 'user', actorId: 'cus_x' },
      { actorType: 'anonymous', actorId: null },
    ],
  },
  ...(['user', 'operator', 'admin'] as const).map((role) => ({
    context: { actorId: `user_${role}`, role },
    self: { actorType: 'user' as const, actorId: `user_${role}` },
    others: [
      { actorType: 'system' as const, actorId: 'system' },
      { actorType: 'system' as const, actorId: `user_${role}` },
      { actorType: 'user' as const, actorId: 'user_someone_else' },
      { actorType: 'customer' as const, actorId: `user_${role}` },
      { actorType: 'customer' as const, actorId: 'cus_x' },
      { actorType: 'anonymous' as const, actorId: null },
    ],
  })),
  {
    context: { actorId: 'system', role: 'system' },
    self: { actorType: 'system', actorId: 'system' },
    others: [
      { actorType: 'system', actorId: null },
      { actorType: 'system', actorId: 'ops:mallory' },
      { actorType: 'user', actorId: 'user_admin' },
      { actorType: 'customer', actorId: 'cus_x' },
      { actorType: 'anonymous', actorId: null },
    ],
  },
  {
    // The ops CLI: the system's rights under the operator's login.
    context: { actorId: 'ops:alice', role: 'system' },
    self: { actorType: 'system', actorId: 'ops:alice' },
    others: [{ actorType: 'system', actorId: 'system' }, { actorType: 'user', actorId: 'ops:alice' }],
  },
  {
    context: { actorId: null, role: 'anonymous' },
    self: { actorType: 'anonymous', actorId: null },
    others: [
      { actorType: 'anonymous', actorId: 'cus_x' },
      { actorType: 'customer', actorId: 'cus_x' },
      { actorType: 'system', actorId: 'system' },
    ],
  },
]

describe('audit rows are written as oneself only (policy audit_append)', () => {
  for (const { context, self, others } of cases) {
    test(`${context.role} context ${context.actorId ?? '(no id)'}`, async () => {
      await append(context, self)
      for (const actor of others) {
        await assert.rejects(append(context, actor), isPermissionDenied, `${context.role} wrote as ${JSON.stringify(actor)}`)
      }
    })
  }

  test('an anonymous context carrying an id is no anonymous writer', async () => {
    await assert.rejects(append({ actorId: 'cus_x', role: 'anonymous' }, { actorType: 'anonymous', actorId: null }), isPermissionDenied)
  })

  test('without a context nothing is appended, whatever the row claims', async () => {
    for (const actor of [{ actorType: 'anonymous', actorId: null }, { actorType: 'system', actorId: 'system' }] as const) {
      await assert.rejects(fx.db.auditLog.createMany({ data: [{ ...actor, action: 'auth.failed' }] }), isPermissionDenied)
    }
    // A role the policies do not know is no context either.
    await assert.rejects(append({ actorId: 'x', role: 'root' as never }, { actorType: 'system', actorId: 'x' }), isPermissionDenied)
  })
})
