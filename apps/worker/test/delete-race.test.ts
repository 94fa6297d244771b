import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import sharp from 'sharp'
import { multipart, startApi } from './api-client.ts'
import { assertAuditVerifies, useWorker, useWorkerEnv, waitFor } from './helper.ts'

// Review finding 10b: a DELETE within ~50–90 ms of the upload's 202 raced the worker (no row lock,
// no status condition), and the worker stored images for a job that was gone: 4–9 of ~130
// deleted jobs kept customer images after a 204. Now the delete locks the row, the worker writes
// under a lock on it, and the deletion outbox takes whatever the job ever had.
const env = useWorkerEnv({ SCAN_CONCURRENCY: 4 })
useWorker(env, { printers: false })

const JOBS = 60

test('deletes racing ingest leave no object of any deleted job', { timeout: 240_000 }, async () => {
  const api = await startApi(env)
  const image = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#a52' } }).jpeg().toBuffer()
  // One customer per job: the per-actor upload limits (10 a minute, 2 in flight) stay out of the way.
  const customers = Array.from({ length: JOBS }, (_, i) => `cus_race${Date.now().toString(36)}_${i}`)
  const outcomes = { immediate: 0, afterCancel: 0 }
  const ids: string[] = []
  await Promise.all(Array.from({ length: 4 }, async (_, lane) => {
    for (let i = lane; i < JOBS; i += 4) {
      const auth = { authorization: `Bearer ${api.token(customers[i] as string)}` }
      const body = multipart([{ name: 'title', value: `race ${i}` }, ...[0, 1].map((n) => ({ name: 'images', filename: `${n}.jpg`, content: image, contentType: 'image/jpeg' }))])
      const created = await api.app.inject({ method: 'POST', url: '/jobs/create', headers: { ...auth, ...body.headers }, payload: body.payload })
      assert.equal(created.statusCode, 202, created.body)
      const id = created.json().job.id as string
      ids.push(id)
      // 0–90 ms: the window in which the review saw the worker win.
      await new Promise((r) => setTimeout(r, (i * 7) % 91))
      let deleted = await api.app.inject({ method: 'DELETE', url: `/jobs/${id}`, headers: auth })
      if (deleted.statusCode === 409) {
        // Being processed: the customer cancels, then deletes.
        await api.app.inject({ method: 'POST', url: `/jobs/${id}/cancel`, headers: auth })
        deleted = await api.app.inject({ method: 'DELETE', url: `/jobs/${id}`, headers: auth })
        outcomes.afterCancel++
      } else outcomes.immediate++
      assert.equal(deleted.statusCode, 204, deleted.body)
    }
  }))
  await api.app.services.scanJobs.idle()
  // Let every queued ingest run to its end (each finds its job gone, or stops at the cancel).
  await waitFor('the scans queue to drain', async () => {
    const counts = await env.queues.scans.getJobCounts('waiting', 'active', 'delayed')
    return (counts['waiting'] ?? 0) + (counts['active'] ?? 0) + (counts['delayed'] ?? 0) === 0
  }, 120_000)
  const left = (await env.store.listKeys('scans/')).concat(...(await Promise.all(ids.map((id) => env.store.listKeys(`quarantine/${id}/`)))))
  assert.deepEqual(left, [], `objects of deleted jobs left behind (${outcomes.immediate} deleted at once, ${outcomes.afterCancel} after a cancel)`)
  assert.equal(await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.count()), 0, 'the outbox is drained')
  assert.equal(await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.scanImage.count({ where: { customerId: { in: customers } } })), 0)
  await assertAuditVerifies(env.db)
})
