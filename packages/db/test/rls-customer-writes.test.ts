import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { isPermissionDenied, SYSTEM_CONTEXT, withTx } from '../src/index.ts'
import { customer, useDatabase } from './helpers.ts'

const fx = useDatabase()
const A = 'cus_writes_A'

/** A job with one quarantined image, created the way the API's upload creates it. */
async function upload(status?: 'stored') {
  const id = randomUUID()
  const imageId = randomUUID()
  await withTx(fx.db, customer(A), (tx) =>
    tx.scanJob.create({
      data: {
        id, customerId: A, title: 'scan', imageCount: 1, ...(status ? { status } : {}),
        images: { createMany: { data: [{ id: imageId, customerId: A, originalFilename: 'a.jpg', contentType: 'image/jpeg', bytes: 10, quarantineKey: `quarantine/${id}/${imageId}` }] } },
      },
      select: { id: true },
    }),
  )
  return { id, imageId }
}

const job = (id: string) => withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.findUniqueOrThrow({ where: { id }, include: { images: true } }))

describe("a customer context changes its scan jobs only as the API does: create queued, cancel", () => {
  test('cancelling a queued job works, as the API issues it', async () => {
    const { id } = await upload()
    const { count } = await withTx(fx.db, customer(A), (tx) =>
      tx.scanJob.updateMany({ where: { id, status: { in: ['queued', 'processing'] } }, data: { status: 'cancelled', finishedAt: new Date() } }),
    )
    assert.equal(count, 1)
    assert.equal((await job(id)).status, 'cancelled')
    // Cancelled is final for the customer: no re-opening.
    await assert.rejects(withTx(fx.db, customer(A), (tx) => tx.scanJob.update({ where: { id }, data: { status: 'queued' } })), isPermissionDenied)
  })

  test('no other change to its own job: not its status, not any other column', async () => {
    const { id } = await upload()
    const attempts = [
      { status: 'stored' as const },
      { status: 'cancelled' as const, title: 'renamed' },
      { title: 'renamed' },
      { imageCount: 99 },
      { failureReason: 'x' },
    ]
    for (const data of attempts) {
      await assert.rejects(withTx(fx.db, customer(A), (tx) => tx.scanJob.update({ where: { id }, data })), isPermissionDenied, JSON.stringify(data))
    }
    const row = await job(id)
    assert.deepEqual([row.status, row.title, row.imageCount], ['queued', 'scan', 1])
    // The worker (system) still moves jobs along.
    await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.update({ where: { id }, data: { status: 'processing' } }))
  })

  test('a job is created queued only', async () => {
    await assert.rejects(upload('stored'), isPermissionDenied)
  })
})

describe('a customer context never rewrites its image rows', () => {
  test('inserted quarantined under its own job prefix, with nothing stored', async () => {
    const { id } = await upload()
    const insert = (data: Record<string, unknown>) => {
      const imageId = randomUUID()
      return withTx(fx.db, customer(A), (tx) =>
        tx.scanImage.createMany({
          data: [{ id: imageId, jobId: id, customerId: A, originalFilename: 'b.jpg', contentType: 'image/jpeg', bytes: 10, quarantineKey: `quarantine/${id}/${imageId}`, ...data }],
        }),
      )
    }
    await insert({})
    await assert.rejects(insert({ status: 'stored' }), isPermissionDenied)
    await assert.rejects(insert({ storageKey: 'scans/cus_other/j/i.jpg' }), isPermissionDenied)
    await assert.rejects(insert({ quarantineKey: `quarantine/${randomUUID()}/${randomUUID()}` }), isPermissionDenied)
  })

  test('updates are the worker’s; deleting its own rows stays possible', async () => {
    const { id, imageId } = await upload()
    const forged = await withTx(fx.db, customer(A), (tx) =>
      tx.scanImage.updateMany({ where: { id: imageId }, data: { status: 'stored', storageKey: 'scans/cus_other/j/i.jpg' } }),
    )
    assert.equal(forged.count, 0)
    assert.deepEqual([(await job(id)).images[0]?.status, (await job(id)).images[0]?.storageKey], ['quarantined', null])
    const stored = await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.scanImage.updateMany({ where: { id: imageId }, data: { status: 'stored', storageKey: `scans/${A}/${id}/${imageId}.jpg` } }))
    assert.equal(stored.count, 1)
    const removed = await withTx(fx.db, customer(A), (tx) => tx.scanImage.deleteMany({ where: { id: imageId } }))
    assert.equal(removed.count, 1)
  })
})
