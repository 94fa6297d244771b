import assert from 'node:assert/strict'
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

const outbox = () => withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.findMany({ orderBy: { id: 'asc' } }))

describe('deletes are complete, also when storage is down (PRODUCT §6)', () => {
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
    await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.updateMany({ data: { nextAttemptAt: new Date() } }))
    const drained = await drainDeletions(api.db, api.store)
    assert.deepEqual(drained, { deleted: 2, failed: 0 })
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
    await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.updateMany({ data: { nextAttemptAt: new Date() } }))
    await drainDeletions(api.db, api.store)
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
