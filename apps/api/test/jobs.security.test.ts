import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { auditRows, multipart, useApi } from './helper.ts'
import { jpeg } from './images.ts'

const api = useApi()
let alice: ReturnType<typeof api.customer>
let bob: ReturnType<typeof api.customer>
let aliceJob: string
let aliceImage: string

async function createJob(auth: Record<string, string>, title = 'scan') {
  const body = multipart([{ name: 'title', value: title }, { name: 'images', filename: 'a.jpg', content: await jpeg() }])
  const res = await api.app.inject({ method: 'POST', url: '/jobs/create', headers: { ...auth, ...body.headers }, payload: body.payload })
  assert.equal(res.statusCode, 202, res.body)
  return res.json().job.id as string
}

describe('scan jobs', () => {
  // Suite-level, not file-level: file-level `before` hooks run side by side, and this one needs
  // useApi's to have finished.
  before(async () => {
    alice = api.customer()
    bob = api.customer()
    aliceJob = await createJob(alice.auth, 'alice-1')
    await createJob(bob.auth, 'bob-1')
    aliceImage = (await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.scanImage.findFirstOrThrow({ where: { jobId: aliceJob } }))).id
  })

  const as = (auth: Record<string, string>, method: 'GET' | 'POST' | 'DELETE', url: string) => api.app.inject({ method, url, headers: auth })

  describe('authorization on scan jobs (docs/product.md §4.2, §12)', () => {
    test("another tenant's job is 404 on every route, never 403", async () => {
      for (const [method, url] of [
        ['GET', `/jobs/${aliceJob}`],
        ['POST', `/jobs/${aliceJob}/cancel`],
        ['DELETE', `/jobs/${aliceJob}`],
        ['GET', `/jobs/${aliceJob}/images/${aliceImage}`],
      ] as const) {
        const res = await as(bob.auth, method, url)
        assert.equal(res.statusCode, 404, `${method} ${url}`)
        assert.equal(res.json().error.code, 'NOT_FOUND')
      }
      // …and the same answer as for an id that does not exist at all.
      assert.equal((await as(bob.auth, 'GET', `/jobs/${randomUUID()}`)).statusCode, 404)
      const job = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.findUniqueOrThrow({ where: { id: aliceJob } }))
      assert.equal(job.status, 'queued', "bob's attempts changed nothing")
    })

    test('listing returns only the caller’s jobs, whatever filter it sends', async () => {
      const own = await as(bob.auth, 'GET', '/jobs')
      assert.deepEqual(own.json().items.map((j: { title: string }) => j.title), ['bob-1'])
      const spying = await as(bob.auth, 'GET', `/jobs?customerId=${alice.id}`)
      assert.equal(spying.statusCode, 200)
      assert.deepEqual(spying.json().items, [])
    })

    test('malformed ids are 400 and never reach the database', async () => {
      for (const id of ["1' OR '1'='1", '../../etc/passwd', '%00']) {
        const res = await as(alice.auth, 'GET', `/jobs/${encodeURIComponent(id)}`)
        assert.equal(res.statusCode, 400, id)
      }
    })

    test('staff read every tenant, filter by customer, and each read is audited as admin.access', async () => {
      const operator = await api.staff('operator')
      const all = await as(operator.auth, 'GET', '/jobs')
      assert.deepEqual(all.json().items.map((j: { title: string }) => j.title).sort(), ['alice-1', 'bob-1'])
      const filtered = await as(operator.auth, 'GET', `/jobs?customerId=${alice.id}`)
      assert.deepEqual(filtered.json().items.map((j: { title: string }) => j.title), ['alice-1'])
      assert.equal((await as(operator.auth, 'GET', `/jobs/${aliceJob}`)).statusCode, 200)
      const rows = await auditRows(api, { action: 'admin.access', actorId: operator.id })
      assert.equal(rows.length, 3)
      assert.equal(rows[2]?.targetId, aliceJob)
    })

    test('operators cannot cancel; only the owner deletes; customers cannot reach staff routes', async () => {
      const operator = await api.staff('operator')
      assert.equal((await as(operator.auth, 'POST', `/jobs/${aliceJob}/cancel`)).statusCode, 403)
      assert.equal((await as(operator.auth, 'DELETE', `/jobs/${aliceJob}`)).statusCode, 403)
      for (const url of ['/staff', '/audit', '/audit/verify', '/stats/dashboard']) {
        assert.equal((await as(alice.auth, 'GET', url)).statusCode, 403, url)
        assert.equal((await as(operator.auth, 'GET', url)).statusCode, 403, url)
      }
    })
  })

  describe('scan job lifecycle', () => {
    test('get returns the job with its images; the image is not downloadable before it is stored', async () => {
      const res = await as(alice.auth, 'GET', `/jobs/${aliceJob}`)
      const { job } = res.json()
      assert.equal(job.title, 'alice-1')
      assert.deepEqual(Object.keys(job.images[0]).sort(), ['bytes', 'failureReason', 'filename', 'height', 'id', 'sha256', 'status', 'width'])
      assert.equal(job.images[0].status, 'quarantined')
      assert.equal(res.body.includes('quarantine/'), false, 'storage keys never leak')
      assert.equal((await as(alice.auth, 'GET', `/jobs/${aliceJob}/images/${aliceImage}`)).statusCode, 409)
    })

    test('a stored image gives a presigned URL valid for at most 5 minutes, and the download is audited', async () => {
      const key = `scans/${alice.id}/${aliceJob}/${aliceImage}.jpg`
      await api.store.putStream(key, (await import('node:stream')).Readable.from([await jpeg()]), 'image/jpeg')
      await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.scanImage.update({ where: { id: aliceImage }, data: { status: 'stored', storageKey: key } }))
      const res = await as(alice.auth, 'GET', `/jobs/${aliceJob}/images/${aliceImage}`)
      assert.equal(res.statusCode, 200, res.body)
      const { url, expiresAt } = res.json()
      assert.ok(new Date(expiresAt).getTime() - Date.now() <= 300_000)
      assert.match(url, /X-Amz-Expires=300/)
      const download = await fetch(url)
      assert.equal(download.status, 200)
      assert.equal((await auditRows(api, { action: 'file.downloaded', targetId: aliceImage })).length, 1)
    })

    test('cancel: queued → cancelled, then 409; delete removes rows and objects but keeps the audit trail', async () => {
      const id = await createJob(alice.auth, 'to-cancel')
      assert.equal((await api.store.listKeys(`quarantine/${id}/`)).length, 1)
      const cancelled = await as(alice.auth, 'POST', `/jobs/${id}/cancel`)
      assert.deepEqual(cancelled.json(), { job: { id, status: 'cancelled' } })
      assert.equal((await as(alice.auth, 'POST', `/jobs/${id}/cancel`)).statusCode, 409)
      // Review finding 5: the uploads that were never processed go with the cancel.
      await api.app.services.scanJobs.idle()
      assert.deepEqual(await api.store.listKeys(`quarantine/${id}/`), [])
      assert.deepEqual((await as(alice.auth, 'GET', `/jobs/${id}`)).json().job.images, [])
      const deleted = await as(alice.auth, 'DELETE', `/jobs/${id}`)
      assert.equal(deleted.statusCode, 204)
      assert.equal((await as(alice.auth, 'GET', `/jobs/${id}`)).statusCode, 404)
      await api.app.services.scanJobs.idle()
      assert.deepEqual(await api.store.listKeys(`quarantine/${id}/`), [])
      const trail = await auditRows(api, { targetId: id })
      assert.deepEqual(trail.map((r) => r.action), ['job.created', 'job.cancelled', 'job.deleted'])
    })

    test('pagination: cursor walks the list newest first without repeats', async () => {
      const carol = api.customer()
      for (let i = 0; i < 5; i++) await createJob(carol.auth, `c${i}`)
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const page: { items: { title: string }[]; nextCursor: string | null } = (await as(carol.auth, 'GET', `/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json()
        seen.push(...page.items.map((j) => j.title))
        cursor = page.nextCursor
      } while (cursor)
      assert.deepEqual(seen, ['c4', 'c3', 'c2', 'c1', 'c0'])
      assert.equal((await as(carol.auth, 'GET', '/jobs?cursor=garbage')).statusCode, 400)
    })
  })
})
