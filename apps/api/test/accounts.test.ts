import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import { isPermissionDenied, SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { auditRows, multipart, useApi } from './helper.ts'
import { jpeg } from './images.ts'

const api = useApi({ DEFAULT_MONTHLY_QUOTA: 3 })

async function createJob(auth: Record<string, string>, extra: Record<string, string> = {}, title = 'q') {
  const body = multipart([{ name: 'title', value: title }, { name: 'images', filename: 'a.jpg', content: await jpeg() }])
  return api.app.inject({ method: 'POST', url: '/jobs/create', headers: { ...auth, ...extra, ...body.headers }, payload: body.payload })
}

describe('quota (docs/product.md §4.3)', () => {
  test('counts jobs this month; the job past the limit is 403 QUOTA_EXCEEDED and stores nothing', async () => {
    const c = api.customer()
    for (let i = 0; i < 3; i++) assert.equal((await createJob(c.auth)).statusCode, 202)
    const before = await api.store.listKeys('quarantine/')
    const over = await createJob(c.auth)
    assert.equal(over.statusCode, 403)
    assert.equal(over.json().error.code, 'QUOTA_EXCEEDED')
    assert.deepEqual(await api.store.listKeys('quarantine/'), before)
    const { quota } = (await api.app.inject({ method: 'GET', url: '/quota', headers: c.auth })).json()
    assert.equal(quota.monthlyLimit, 3)
    assert.equal(quota.used, 3)
    assert.equal(quota.remaining, 0)
    assert.ok(new Date(quota.resetsAt) > new Date())
  })

  test('deleting jobs gives no quota back: creations are counted, not surviving rows (review finding 2)', async () => {
    const c = api.customer()
    for (let i = 0; i < 3; i++) {
      const created = await createJob(c.auth)
      assert.equal(created.statusCode, 202, created.body)
      const deleted = await api.app.inject({ method: 'DELETE', url: `/jobs/${created.json().job.id}`, headers: c.auth })
      assert.equal(deleted.statusCode, 204, deleted.body)
    }
    const { quota } = (await api.app.inject({ method: 'GET', url: '/quota', headers: c.auth })).json()
    assert.deepEqual([quota.used, quota.remaining], [3, 0])
    const over = await createJob(c.auth)
    assert.equal(over.statusCode, 403, over.body)
    assert.equal(over.json().error.code, 'QUOTA_EXCEEDED')
  })

  test('the usage counter belongs to the database: the app role cannot lower it', async () => {
    const c = api.customer()
    assert.equal((await createJob(c.auth)).statusCode, 202)
    for (const context of [{ actorId: c.id, role: 'customer' as const }, SYSTEM_CONTEXT]) {
      await assert.rejects(
        withTx(api.db, context, (tx) => tx.$executeRaw`UPDATE quota_usage SET jobs_created = 0 WHERE customer_id = ${c.id}`),
        (err) => isPermissionDenied(err),
      )
      await assert.rejects(withTx(api.db, context, (tx) => tx.$executeRaw`DELETE FROM quota_usage WHERE customer_id = ${c.id}`), (err) => isPermissionDenied(err))
    }
  })

  test('concurrent uploads cannot overdraw the last unit of quota', async () => {
    const c = api.customer()
    assert.equal((await createJob(c.auth)).statusCode, 202)
    assert.equal((await createJob(c.auth)).statusCode, 202)
    const results = await Promise.all([createJob(c.auth), createJob(c.auth)])
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [202, 403])
  })

  test('an admin raises a quota; the change is audited', async () => {
    const c = api.customer()
    const admin = await api.staff('admin')
    const res = await api.app.inject({ method: 'PUT', url: `/quota/${c.id}`, headers: admin.auth, payload: { monthlyLimit: 50 } })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json().quota.monthlyLimit, 50)
    const [row] = await auditRows(api, { action: 'quota.changed', targetId: c.id })
    assert.deepEqual(row?.details, { from: null, to: 50 })
    const operator = await api.staff('operator')
    assert.equal((await api.app.inject({ method: 'PUT', url: `/quota/${c.id}`, headers: operator.auth, payload: { monthlyLimit: 999 } })).statusCode, 403)
  })
})

describe('Idempotency-Key (docs/product.md §3)', () => {
  test('a retry replays the first answer and creates nothing; the same key with another request is 409', async () => {
    const c = api.customer()
    const key = { 'idempotency-key': 'order-123-upload' }
    const first = await createJob(c.auth, key, 'same')
    const stored = await api.store.listKeys('quarantine/')
    const second = await createJob(c.auth, key, 'same')
    assert.deepEqual(await api.store.listKeys('quarantine/'), stored, 'a replay stores no new object')
    assert.equal(first.statusCode, 202)
    assert.equal(second.statusCode, 202)
    assert.deepEqual(second.json(), first.json())
    const list = (await api.app.inject({ method: 'GET', url: '/jobs', headers: c.auth })).json()
    assert.equal(list.items.length, 1)
    const other = await createJob(c.auth, key, 'different title')
    assert.equal(other.statusCode, 409)
    // Keys are per actor: another customer may use the same key.
    assert.equal((await createJob(api.customer().auth, key, 'same')).statusCode, 202)
    // Without a key a double submit creates two jobs.
    await createJob(c.auth, {}, 'dup')
    await createJob(c.auth, {}, 'dup')
    assert.equal((await api.app.inject({ method: 'GET', url: '/jobs', headers: c.auth })).json().items.length, 3)
  })

  test('a malformed key is 400', async () => {
    const res = await createJob(api.customer().auth, { 'idempotency-key': 'x'.repeat(256) })
    assert.equal(res.statusCode, 400)
  })
})

describe('upload concurrency (docs/product.md §3)', () => {
  test('a third upload in flight for one actor is 429; slots free up afterwards', async () => {
    const c = api.customer()
    const admin = await api.staff('admin')
    await api.app.inject({ method: 'PUT', url: `/quota/${c.id}`, headers: admin.auth, payload: { monthlyLimit: 100 } })
    const image = await jpeg()
    const slow = () => {
      const body = multipart([{ name: 'title', value: 'slow' }, { name: 'images', filename: 'a.jpg', content: image }])
      const stream = new PassThrough()
      stream.write(body.payload.subarray(0, 200)) // the rest is held back until we say so
      const response = api.app.inject({ method: 'POST', url: '/jobs/create', headers: { ...c.auth, ...body.headers }, payload: stream })
      return { response, finish: () => stream.end(body.payload.subarray(200)) }
    }
    const one = slow()
    const two = slow()
    await new Promise((r) => setTimeout(r, 300))
    const third = await createJob(c.auth)
    assert.equal(third.statusCode, 429)
    one.finish()
    two.finish()
    assert.deepEqual([(await one.response).statusCode, (await two.response).statusCode], [202, 202])
    assert.equal((await createJob(c.auth)).statusCode, 202)
  })
})

describe('staff, /me, export, audit, dashboard (docs/product.md §4.6)', () => {
  test('admins grant and revoke roles (audited); they cannot demote themselves', async () => {
    const admin = await api.staff('admin')
    const grant = await api.app.inject({ method: 'PUT', url: '/staff/user_newop', headers: admin.auth, payload: { role: 'operator' } })
    assert.equal(grant.statusCode, 200, grant.body)
    assert.equal(grant.json().staff.role, 'operator')
    const list = await api.app.inject({ method: 'GET', url: '/staff', headers: admin.auth })
    assert.ok(list.json().items.some((s: { userId: string }) => s.userId === 'user_newop'))
    assert.equal((await api.app.inject({ method: 'DELETE', url: '/staff/user_newop', headers: admin.auth })).statusCode, 204)
    assert.equal((await api.app.inject({ method: 'DELETE', url: `/staff/${admin.id}`, headers: admin.auth })).statusCode, 409)
    assert.equal((await api.app.inject({ method: 'PUT', url: `/staff/${admin.id}`, headers: admin.auth, payload: { role: 'operator' } })).statusCode, 409)
    const rows = await auditRows(api, { action: 'staff.changed', targetId: 'user_newop' })
    assert.deepEqual(rows.map((r) => r.details), [{ from: null, to: 'operator' }, { from: 'operator', to: null }])
  })

  test('/me/export returns the caller’s data only, and is audited', async () => {
    const c = api.customer()
    await createJob(c.auth, {}, 'mine')
    const res = await api.app.inject({ method: 'GET', url: '/me/export', headers: c.auth })
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(body.jobs.map((j: { title: string }) => j.title), ['mine'])
    assert.ok(body.auditTrail.every((a: { action: string }) => ['job.created', 'file.uploaded'].includes(a.action)))
    assert.equal((await auditRows(api, { action: 'data.exported', actorId: c.id })).length, 1)
  })

  test('GET /audit filters and pages; GET /audit/verify reports the chain', async () => {
    const admin = await api.staff('admin')
    const page = await api.app.inject({ method: 'GET', url: '/audit?action=job.created&limit=2', headers: admin.auth })
    assert.equal(page.statusCode, 200, page.body)
    assert.equal(page.json().items.length, 2)
    assert.ok(page.json().items.every((r: { action: string }) => r.action === 'job.created'))
    assert.ok(page.json().nextCursor)
    const verify = await api.app.inject({ method: 'GET', url: '/audit/verify', headers: admin.auth })
    assert.equal(verify.json().ok, true)
    assert.ok(verify.json().checked > 10)
  })

  test('the dashboard counts jobs by status and reports queue depths', async () => {
    const admin = await api.staff('admin')
    const res = await api.app.inject({ method: 'GET', url: '/stats/dashboard', headers: admin.auth })
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json()
    assert.ok(body.jobs.queued > 0)
    assert.ok(body.queues.scans.waiting > 0)
    assert.equal(typeof body.last24h.authFailures, 'number')
  })

  test('readiness reports each dependency', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/health/ready' })
    assert.deepEqual(res.json(), { status: 'ok', checks: { database: true, redis: true, storage: true } })
  })
})
