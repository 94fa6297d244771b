import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { createPrismaClient, isPermissionDenied, SYSTEM_CONTEXT, withTx, type Db } from '../src/index.ts'
import { customer, useDatabase } from './helpers.ts'

const fx = useDatabase()
const A = 'cus_A'
const B = 'cus_B'

async function createJob(db: Db, owner: string, title: string) {
  const [id, imageId] = [randomUUID(), randomUUID()]
  return withTx(db, customer(owner), (tx) =>
    tx.scanJob.create({
      data: {
        id,
        customerId: owner,
        title,
        imageCount: 1,
        images: {
          create: [{ id: imageId, customerId: owner, originalFilename: 'a.jpg', contentType: 'image/jpeg', bytes: 10, quarantineKey: `quarantine/${id}/${imageId}` }],
        },
      },
    }),
  )
}

describe('row-level security on customer data (docs/product.md §5.2)', () => {
  before(async () => {
    await createJob(fx.db, A, 'a-1')
    await createJob(fx.db, A, 'a-2')
    await createJob(fx.db, B, 'b-1')
  })

  test("a query without a where clause returns only the customer's own rows", async () => {
    const jobs = await withTx(fx.db, customer(A), (tx) => tx.scanJob.findMany())
    assert.deepEqual(jobs.map((j) => j.title).sort(), ['a-1', 'a-2'])
    const images = await withTx(fx.db, customer(A), (tx) => tx.scanImage.findMany())
    assert.equal(images.length, 2)
    assert.ok(images.every((i) => i.customerId === A))
  })

  test("another tenant's row is invisible even by primary key", async () => {
    const bJob = await withTx(fx.db, customer(B), (tx) => tx.scanJob.findFirstOrThrow())
    const seenByA = await withTx(fx.db, customer(A), (tx) => tx.scanJob.findUnique({ where: { id: bJob.id } }))
    assert.equal(seenByA, null)
  })

  test('with no context set, every table answers zero rows', async () => {
    assert.equal((await fx.db.scanJob.findMany()).length, 0)
    assert.equal((await fx.db.scanImage.findMany()).length, 0)
    assert.equal((await withTx(fx.db, { actorId: null, role: 'anonymous' }, (tx) => tx.scanJob.count())), 0)
    // A customer id alone, without the customer role, is no identity either.
    assert.equal((await withTx(fx.db, { actorId: A, role: 'user' }, (tx) => tx.scanJob.count())), 0)
  })

  test("inserting a row owned by B from A's context fails", async () => {
    await assert.rejects(
      withTx(fx.db, customer(A), (tx) => tx.scanJob.create({ data: { customerId: B, title: 'forged-by-a', imageCount: 0 } })),
      isPermissionDenied,
    )
    const count = await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.count({ where: { title: 'forged-by-a' } }))
    assert.equal(count, 0)
  })

  test("A cannot move its row to B nor change B's rows", async () => {
    const own = await withTx(fx.db, customer(A), (tx) => tx.scanJob.findFirstOrThrow())
    await assert.rejects(
      withTx(fx.db, customer(A), (tx) => tx.scanJob.update({ where: { id: own.id }, data: { customerId: B } })),
      isPermissionDenied,
    )
    const changed = await withTx(fx.db, customer(A), (tx) => tx.scanJob.updateMany({ where: { customerId: B }, data: { title: 'pwned' } }))
    assert.equal(changed.count, 0)
    const deleted = await withTx(fx.db, customer(A), (tx) => tx.scanJob.deleteMany({ where: { customerId: B } }))
    assert.equal(deleted.count, 0)
  })

  test('staff roles see every tenant', async () => {
    for (const role of ['operator', 'admin', 'system'] as const) {
      const titles = await withTx(fx.db, { actorId: `user_${role}`, role }, (tx) => tx.scanJob.findMany({ select: { title: true } }))
      assert.ok(titles.length >= 3, `${role} sees ${titles.length}`)
      assert.ok(titles.some((t) => t.title === 'b-1'))
    }
  })

  test('the context does not leak to the next transaction on the same pooled connection', async () => {
    const single = createPrismaClient({ url: fx.database.appUrl, poolMax: 1 })
    try {
      assert.ok((await withTx(single, customer(A), (tx) => tx.scanJob.count())) > 0)
      assert.equal(await single.scanJob.count(), 0)
    } finally {
      await single.$disconnect()
    }
  })

  test('quotas: a customer reads its own and changes none; printers are staff-only', async () => {
    await withTx(fx.db, { actorId: 'user_admin', role: 'admin' }, (tx) =>
      tx.customerQuota.createMany({ data: [{ customerId: A, monthlyLimit: 5, updatedBy: 'user_admin' }, { customerId: B, monthlyLimit: 7, updatedBy: 'user_admin' }] }),
    )
    const quotas = await withTx(fx.db, customer(A), (tx) => tx.customerQuota.findMany())
    assert.deepEqual(quotas.map((q) => q.customerId), [A])
    await assert.rejects(
      withTx(fx.db, customer(A), (tx) => tx.customerQuota.update({ where: { customerId: A }, data: { monthlyLimit: 1000 } })),
    )
    await assert.rejects(
      withTx(fx.db, customer(A), (tx) =>
        tx.printer.create({
          data: { name: 'p', model: 'X1C', serial: 'S1', host: '127.0.0.1', accessCodeCiphertext: Buffer.alloc(1), accessCodeNonce: Buffer.alloc(12), accessCodeKeyId: 'k1' },
        }),
      ),
      isPermissionDenied,
    )
  })
})
