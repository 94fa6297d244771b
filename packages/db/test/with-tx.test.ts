// withTx (packages/db/src/context.ts): repository functions compose into one caller's
// transaction, a joined call cannot change who it runs as, and a serialization failure or
// deadlock reruns the whole unit of work.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx, writeAudit, type DbContext, type Tx } from '../src/index.ts'
import { useDatabase } from './helpers.ts'

const fx = useDatabase()
const ADMIN: DbContext = { actorId: 'user_admin', role: 'admin' }

const staffRow = (tx: Tx, userId: string) => tx.staff.create({ data: { userId, role: 'operator', grantedBy: 'test' } })
const staffCount = (userId: string) => withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.staff.count({ where: { userId } }))

/** Raises SQLSTATE `code` from inside the transaction, as PostgreSQL does on a lost race. */
const raise = (tx: Tx, code: string) => tx.$executeRawUnsafe(`DO $$ BEGIN RAISE EXCEPTION 'lost a race' USING ERRCODE = '${code}'; END $$`)

describe('withTx', () => {
  test('a joined call runs in the outer transaction: both commit, or both roll back', async () => {
    await withTx(fx.db, ADMIN, async (tx) => {
      await staffRow(tx, 'user_joined_a')
      await withTx(tx, ADMIN, (inner) => staffRow(inner, 'user_joined_b'))
    })
    assert.deepEqual([await staffCount('user_joined_a'), await staffCount('user_joined_b')], [1, 1])

    await assert.rejects(
      withTx(fx.db, ADMIN, async (tx) => {
        await withTx(tx, ADMIN, (inner) => staffRow(inner, 'user_rolled_back'))
        throw new Error('the outer unit fails after the inner one')
      }),
      /outer unit fails/,
    )
    assert.equal(await staffCount('user_rolled_back'), 0, 'the joined write went with the outer rollback')
  })

  test('a joined call as someone else is refused (it would run under the outer context’s RLS)', async () => {
    await assert.rejects(
      withTx(fx.db, { actorId: 'cus_1', role: 'customer' }, (tx) => withTx(tx, SYSTEM_CONTEXT, (inner) => staffRow(inner, 'user_widened'))),
      /cannot join a customer transaction as system/,
    )
    assert.equal(await staffCount('user_widened'), 0)
  })

  test('a serialization failure or deadlock reruns the whole unit; the retry commits once', async () => {
    for (const code of ['40001', '40P01']) {
      let attempts = 0
      const userId = `user_retry_${code}`
      await withTx(fx.db, ADMIN, async (tx) => {
        attempts++
        await staffRow(tx, userId)
        await writeAudit(tx, { actorType: 'user', actorId: ADMIN.actorId, action: 'staff.changed', targetType: 'staff', targetId: userId, details: { attempt: attempts } })
        if (attempts === 1) await raise(tx, code)
      })
      assert.equal(attempts, 2, code)
      assert.equal(await staffCount(userId), 1, 'the first attempt left nothing behind')
    }
  })

  test('it gives up after three attempts, and never retries other errors', async () => {
    let attempts = 0
    await assert.rejects(withTx(fx.db, ADMIN, async (tx) => {
      attempts++
      await raise(tx, '40001')
    }))
    assert.equal(attempts, 3)

    attempts = 0
    await assert.rejects(withTx(fx.db, ADMIN, async (tx) => {
      attempts++
      await raise(tx, '23505')
    }))
    assert.equal(attempts, 1, 'a unique violation is an answer, not a race to rerun')
  })
})
