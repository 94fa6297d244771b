import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { before, describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx, type Prisma } from '@printforge/db'
import type pg from 'pg'
import { Compile } from 'typebox/compile'
import { AccountExport } from '../src/schemas/account.ts'
import { auditRows, randomId, useApi } from './helper.ts'

const api = useApi({ DEFAULT_MONTHLY_QUOTA: 7 })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const BATCH = 200 // EXPORT_BATCH
const JOBS = 2 * BATCH + 53
const AUDIT = 5 * BATCH + 17

/**
 * The streamed body bypasses the response serializer, so nothing else holds it to the schema the
 * OpenAPI spec publishes: every export a test reads is checked against it.
 */
const exportSchema = Compile(AccountExport)
function assertDocumented(body: unknown) {
  const errors = [...exportSchema.Errors(body)].slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}`)
  assert.deepEqual(errors, [], 'the export matches the documented AccountExport schema')
}

/**
 * A customer's history spanning several batches, interleaved with another customer's (whose
 * rows must never appear) and with audit rows of a Medusa user that shares the customer's id.
 * Jobs come three to a timestamp, so a page that broke ties wrongly would skip or repeat jobs.
 */
async function seed(customerId: string, other: string, counts = { jobs: JOBS, audit: AUDIT }) {
  const start = Date.UTC(2026, 0, 1)
  const jobs = [customerId, other].flatMap((owner) =>
    Array.from({ length: counts.jobs }, (_, i) => ({ id: randomUUID(), customerId: owner, title: `${owner} ${i}`, imageCount: 2, status: 'stored' as const, createdAt: new Date(start + Math.floor(i / 3) * 1000) })),
  )
  const images = jobs.flatMap((j) =>
    [0, 1].map((k) => ({ jobId: j.id, customerId: j.customerId, originalFilename: `s${k}.jpg`, contentType: 'image/jpeg', bytes: 100 + k, width: 10, height: 10, sha256: 'a'.repeat(64), status: 'stored' as const, quarantineKey: `q/${j.id}/${k}`, createdAt: new Date(j.createdAt.getTime() + k) })),
  )
  const audit: Prisma.AuditLogCreateManyInput[] = []
  for (let i = 0; i < counts.audit; i++) {
    audit.push({ actorType: 'customer', actorId: customerId, action: 'file.downloaded', targetId: `t${i}`, ip: '203.0.113.9', details: { n: i } })
    audit.push({ actorType: 'customer', actorId: other, action: 'file.downloaded', targetId: `other${i}` })
    if (i % 20 === 0) audit.push({ actorType: 'user', actorId: customerId, action: 'admin.access', targetId: `u${i}` })
  }
  await withTx(api.db, SYSTEM_CONTEXT, async (tx) => {
    await tx.scanJob.createMany({ data: jobs })
    await tx.scanImage.createMany({ data: images })
  }, { timeoutMs: 60_000 })
  // The database accepts audit rows only in the name of the transaction's context, so each
  // actor's rows are written as that actor. The chain trigger hashes row by row: modest
  // statements stay clear of the statement timeout.
  const contextOf = (r: Prisma.AuditLogCreateManyInput) => ({ actorId: r.actorId ?? null, role: r.actorType === 'user' ? ('admin' as const) : ('customer' as const) })
  const groups = new Map<string, Prisma.AuditLogCreateManyInput[]>()
  for (const r of audit) {
    const key = `${r.actorType}:${r.actorId}`
    if (!groups.has(key)) groups.set(key, [])
    groups.get(key)!.push(r)
  }
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += 1_000) {
      await withTx(api.db, contextOf(group[0]!), (tx) => tx.auditLog.createMany({ data: group.slice(i, i + 1_000) }), { timeoutMs: 60_000 })
    }
  }
}

/** What the export must contain, read independently (system context, one query each). */
async function expected(customerId: string) {
  return withTx(api.db, SYSTEM_CONTEXT, async (tx) => {
    const jobs = await tx.scanJob.findMany({
      where: { customerId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      include: { images: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true, originalFilename: true, contentType: true, bytes: true, width: true, height: true, sha256: true, status: true, failureReason: true, createdAt: true } } },
    })
    const audit = await tx.auditLog.findMany({ where: { actorType: 'customer', actorId: customerId }, orderBy: { id: 'asc' }, select: { id: true, at: true, action: true, targetType: true, targetId: true, ip: true, userAgent: true, details: true } })
    return {
      jobs: jobs.map((j) => ({ ...j, createdAt: j.createdAt.toISOString(), updatedAt: j.updatedAt.toISOString(), finishedAt: j.finishedAt?.toISOString() ?? null, images: j.images.map((i) => ({ ...i, createdAt: i.createdAt.toISOString() })) })),
      auditTrail: audit.map((a) => ({ ...a, id: a.id.toString(), at: a.at.toISOString() })),
    }
  })
}

/** GET over a real socket: headers as a client sees them, and the body's chunks. */
function httpGet(path: string, headers: Record<string, string>, onResponse: (res: http.IncomingMessage, req: http.ClientRequest) => void) {
  const { port } = api.app.server.address() as AddressInfo
  const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => onResponse(res, req))
  return req
}

const A = randomId('cus')
const B = randomId('cus')
describe('GET /me/export streams the caller’s data (docs/product.md §4.6)', () => {
  before(async () => {
    await seed(A, B)
    await api.app.listen({ host: '127.0.0.1', port: 0 })
  })

  test('every job, every image and the caller’s own audit rows, across many batches; audited', async () => {
    const want = await expected(A)
    assert.equal(want.jobs.length, JOBS)
    assert.equal(want.auditTrail.length, AUDIT)
    const res = await api.app.inject({ method: 'GET', url: '/me/export', headers: api.customer(A).auth })
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assertDocumented(body)
    assert.deepEqual(Object.keys(body), ['exportedAt', 'identity', 'quota', 'jobs', 'auditTrail'])
    assert.deepEqual(body.identity, { actorType: 'customer', actorId: A, role: 'customer', groups: [] })
    assert.equal(body.quota.monthlyLimit, 7)
    assert.ok(Math.abs(Date.parse(body.exportedAt) - Date.now()) < 60_000)
    assert.deepEqual(body.jobs, want.jobs)
    assert.deepEqual(body.auditTrail, want.auditTrail)
    const [row, ...more] = await auditRows(api, { action: 'data.exported', actorId: A })
    assert.equal(more.length, 0)
    assert.deepEqual(row?.details, { jobs: JOBS, auditRows: AUDIT })
  })

  test('the response is streamed (chunked, no content-length) with the headers every route gets', async () => {
    const auth = api.customer(A).auth
    const plain = await new Promise<http.IncomingHttpHeaders>((resolve) => httpGet('/me', auth, (res) => (res.resume(), resolve(res.headers))))
    const { headers, text } = await new Promise<{ headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) =>
      httpGet('/me/export', auth, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => resolve({ headers: res.headers, text }))
      }).on('error', reject),
    )
    assert.equal(headers['transfer-encoding'], 'chunked')
    assert.equal(headers['content-length'], undefined)
    assert.equal(headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(headers['cache-control'], 'no-store')
    for (const name of ['content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'permissions-policy', 'cross-origin-resource-policy']) {
      assert.ok(plain[name], `GET /me has ${name}`)
      assert.equal(headers[name], plain[name], name)
    }
    const body = JSON.parse(text)
    assert.equal(body.jobs.length, JOBS)
    // …plus the data.exported row of the previous test's export.
    assert.deepEqual(body.auditTrail.map((a: { action: string }) => a.action).slice(-2), ['file.downloaded', 'data.exported'])
    assert.equal(body.auditTrail.length, AUDIT + 1)
  })

  test('a client that disconnects mid-stream stops the reads; the export was audited before data left', async (t) => {
    // A history long enough that reading all of it takes far longer than noticing the hang-up.
    const C = randomId('cus')
    const counts = { jobs: BATCH + 7, audit: 25 * BATCH - 3 }
    await seed(C, randomId('cus'), counts)
    const batches = Math.ceil(counts.jobs / BATCH) + Math.ceil(counts.audit / BATCH) + 1
    // Counts the statements on the export's tables only: the instance's background work (the token
    // cut-off sync every second) checks out connections too, and must not pass for an export read.
    let reads = 0
    let counting = true
    const watched = new WeakSet<object>()
    const count = (client: pg.PoolClient) => {
      if (watched.has(client)) return
      watched.add(client)
      const query = client.query.bind(client) as (...args: unknown[]) => unknown
      client.query = ((...args: unknown[]) => {
        const first = args[0] as string | { text?: string }
        const text = typeof first === 'string' ? first : (first?.text ?? '')
        if (counting && /scan_jobs|audit_log/.test(text)) reads++
        return query(...args)
      }) as typeof client.query
    }
    api.app.db.pool.on('acquire', count)
    try {
      await new Promise<void>((resolve, reject) =>
        httpGet('/me/export', api.customer(C).auth, (res, req) => res.once('data', () => (req.destroy(), resolve()))).on('error', (err) =>
          /socket hang up|ECONNRESET|aborted/.test(String(err)) ? resolve() : reject(err),
        ),
      )
      await sleep(500)
      const atStop = reads
      await sleep(1_000)
      assert.equal(reads, atStop, 'no batch is read once the client has gone')
      t.diagnostic(`${atStop} statements on the export's tables (audit, batches) before the reads stopped; the whole export takes ${batches}`)
      assert.ok(atStop <= batches / 2, `${atStop} statements for an export of ${batches} reads`)
    } finally {
      counting = false
      api.app.db.pool.off('acquire', count)
    }
    assert.equal((await auditRows(api, { action: 'data.exported', actorId: C })).length, 1)
  })

  test('a Medusa user without a staff role exports an empty history, never a customer’s', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/me/export', headers: { authorization: `Bearer ${api.token({ actor_id: A, actor_type: 'user' })}` } })
    assert.equal(res.statusCode, 200)
    assertDocumented(res.json())
    assert.deepEqual({ ...(res.json() as object), exportedAt: 'x' }, { exportedAt: 'x', identity: { actorType: 'user', actorId: A, role: 'none', groups: [] }, quota: null, jobs: [], auditTrail: [] })
  })

  test('an admin sees every audit row, yet exports only its own actions as a user, not a same-id customer’s', async () => {
    // Granted through the API, so the role cached by the previous test is dropped at once.
    const root = await api.staff('admin')
    assert.equal((await api.app.inject({ method: 'PUT', url: `/staff/${A}`, headers: root.auth, payload: { role: 'admin' } })).statusCode, 200)
    const res = await api.app.inject({ method: 'GET', url: '/me/export', headers: { authorization: `Bearer ${api.token({ actor_id: A, actor_type: 'user' })}` } })
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assertDocumented(body)
    assert.deepEqual(body.identity, { actorType: 'user', actorId: A, role: 'admin', groups: [] })
    assert.deepEqual(body.jobs, [])
    // The seeded user rows, and the previous test's export by user A; none of customer A's rows.
    const actions = body.auditTrail.map((a: { action: string }) => a.action)
    assert.deepEqual(actions, [...Array<string>(Math.ceil(AUDIT / 20)).fill('admin.access'), 'data.exported'])
  })
})
