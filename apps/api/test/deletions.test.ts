import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { describe, test } from 'node:test'
import { drainDeletions, SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { freePort } from '@printforge/devstack'
import { buildApp } from '../src/app.ts'
import { multipart, useApi } from './helper.ts'
import { jpeg } from './images.ts'

// Review finding 10a: a delete while storage is down committed the row delete, failed to remove
// the objects, and nothing ever removed them. Finding 5: a cancel left the uploads behind.
const api = useApi()

async function upload(auth: Record<string, string>) {
  const body = multipart([{ name: 'title', value: 'to delete' }, { name: 'images', filename: 'a.jpg', content: await jpeg() }, { name: 'images', filename: 'b.jpg', content: await jpeg() }])
  const res = await api.app.inject({ method: 'POST', url: '/jobs/create', headers: { ...auth, ...body.headers }, payload: body.payload })
  assert.equal(res.statusCode, 202, res.body)
  return res.json().job.id as string
}

/** The same API on the same database, with storage unreachable (nothing listens on its port). */
async function apiWithoutStorage() {
  const app = await buildApp({ config: { ...api.config, S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` }, queuePrefix: api.queuePrefix, redisKeyPrefix: `${api.queuePrefix}:` })
  await app.ready()
  return app
}

/** The outbox without the intents every upload records (tested on their own below). */
const outbox = () => withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.findMany({ where: { reason: { not: 'upload.pending' } }, orderBy: { id: 'asc' } }))
const dueNow = () => withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.updateMany({ data: { nextAttemptAt: new Date() } }))

describe('deletes are complete, also when storage is down (docs/product.md §6)', () => {
  test('DELETE while storage is unreachable: 204, the objects are kept in the outbox until storage confirms', async () => {
    const customer = api.customer()
    const id = await upload(customer.auth)
    assert.equal((await api.store.listKeys(`quarantine/${id}/`)).length, 2)
    const offline = await apiWithoutStorage()
    try {
      const res = await offline.inject({ method: 'DELETE', url: `/jobs/${id}`, headers: customer.auth })
      assert.equal(res.statusCode, 204, res.body)
    } finally {
      await offline.close()
    }
    assert.equal((await api.store.listKeys(`quarantine/${id}/`)).length, 2, 'storage was down: nothing could be removed yet')
    const pending = await outbox()
    assert.deepEqual(pending.map((r) => r.key).sort(), [`quarantine/${id}/`, `scans/${customer.id}/${id}/`])
    assert.ok(pending.every((r) => r.attempts === 1 && r.lastError), 'the failed attempt is recorded')

    // What the worker's sweep does once storage is back (it drains every due row).
    await dueNow()
    const drained = await drainDeletions(api.db, api.store, { keys: pending.map((r) => r.key) })
    // The two rows of the delete, and the upload's own intent (same quarantine prefix, job gone).
    assert.deepEqual(drained, { deleted: 3, failed: 0 })
    assert.deepEqual(await api.store.listKeys(`quarantine/${id}/`), [])
    assert.deepEqual(await outbox(), [])
  })

  test('cancel removes the unprocessed uploads, now or (storage down) through the outbox', async () => {
    const customer = api.customer()
    const id = await upload(customer.auth)
    const offline = await apiWithoutStorage()
    try {
      const res = await offline.inject({ method: 'POST', url: `/jobs/${id}/cancel`, headers: customer.auth })
      assert.equal(res.statusCode, 200, res.body)
    } finally {
      await offline.close()
    }
    const images = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.scanImage.count({ where: { jobId: id } }))
    assert.equal(images, 0, 'quarantined image rows go with the cancel')
    assert.deepEqual((await outbox()).map((r) => r.key), [`quarantine/${id}/`])
    await dueNow()
    await drainDeletions(api.db, api.store, { keys: [`quarantine/${id}/`] })
    assert.deepEqual(await api.store.listKeys(`quarantine/${id}/`), [])
  })

  test('with storage up, DELETE answers at once and its objects and outbox rows are gone right after', async () => {
    const customer = api.customer()
    const id = await upload(customer.auth)
    assert.equal((await api.app.inject({ method: 'DELETE', url: `/jobs/${id}`, headers: customer.auth })).statusCode, 204)
    await api.app.services.scanJobs.idle()
    assert.deepEqual(await api.store.listKeys(`quarantine/${id}/`), [])
    assert.deepEqual(await outbox(), [])
  })

  test('an upload that never committed (the process died mid-upload) leaves nothing once its intent comes due; a committed one keeps its objects', async () => {
    const customer = api.customer()
    const committed = await upload(customer.auth)
    // The crashed upload: its intent recorded, an object streamed to quarantine, then nothing.
    const orphan = randomUUID()
    await api.app.services.scanUploads.begin({ actorType: 'customer', actorId: customer.id, role: 'customer' }, orphan)
    await api.store.putStream(`quarantine/${orphan}/${randomUUID()}`, Readable.from([Buffer.from('partial')]), 'image/jpeg')
    const intents = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.findMany({ where: { reason: 'upload.pending', keepIfJobId: { in: [committed, orphan] } } }))
    assert.equal(intents.length, 2)
    assert.ok(intents.every((r) => r.nextAttemptAt.getTime() > Date.now() + 20 * 60_000), 'due only after any upload could have finished')
    assert.equal((await drainDeletions(api.db, api.store)).deleted, 0, 'not due yet')
    await dueNow()
    await drainDeletions(api.db, api.store, { keys: intents.map((r) => r.key) })
    assert.deepEqual(await api.store.listKeys(`quarantine/${orphan}/`), [])
    assert.equal((await api.store.listKeys(`quarantine/${committed}/`)).length, 2, 'the committed job keeps its uploads')
    assert.equal(await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.count({ where: { reason: 'upload.pending', keepIfJobId: { in: [committed, orphan] } } })), 0)
  })

  test('the outbox accepts only the object shapes the platform writes, and only the system drains it', async () => {
    const customer = api.customer()
    const as = { actorId: customer.id, role: 'customer' as const }
    for (const key of ['', 'scans/', 'scans/someone-else/job/', 'audit-exports/x', '../etc/passwd']) {
      await assert.rejects(withTx(api.db, as, (tx) => tx.objectDeletion.createMany({ data: [{ key, reason: 'test' }] })), key)
    }
    await withTx(api.db, as, (tx) => tx.objectDeletion.createMany({ data: [{ key: `scans/${customer.id}/job-1/`, reason: 'test' }] }))
    assert.equal(await withTx(api.db, as, (tx) => tx.objectDeletion.count()), 0, 'a customer context cannot read the outbox')
    assert.equal((await withTx(api.db, as, (tx) => tx.objectDeletion.deleteMany())).count, 0, 'nor remove rows from it')
    await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.deleteMany())
  })
})
