// Orders and print files (docs/integrations.md "Orders"): tenancy, idempotency on the shop's
// order id, the scan-ownership check, the review transitions, approval into print jobs with their
// own copies of the file, the order following its jobs, and the audit and webhook rows of each move.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx, type DbContext } from '@printforge/db'
import { generateApiKey, readOrder, type NewOrder } from '@printforge/domain'
import { AppError } from '@printforge/errors'
import { jobIdFor } from '@printforge/jobs'
import type { ApiKeyPrincipal, Principal } from '../src/lib/principal.ts'
import { auditRows, multipart, randomId, useApi } from './helper.ts'
import { slicedProject } from './models.ts'

const api = useApi({ MAX_MODEL_BYTES: 2 * 1024 * 1024 })
const sys = <T>(fn: Parameters<typeof withTx<T>>[2]) => withTx(api.db, SYSTEM_CONTEXT, fn)

let admin: Awaited<ReturnType<typeof api.staff>>
let operator: Awaited<ReturnType<typeof api.staff>>
let shop: ApiKeyPrincipal
let adminP: Principal
const meta = { requestId: 'req-orders-test' }

const setup = async () => {
  admin = await api.staff('admin')
  operator = await api.staff('operator')
  adminP = { actorType: 'user', actorId: admin.id, role: 'admin' }
  // The shop's key, inserted as an admin would (helper A's routes create them over HTTP).
  const key = generateApiKey()
  await withTx(api.db, { actorId: admin.id, role: 'admin' }, (tx) =>
    tx.apiKey.create({ data: { id: key.id, name: 'shop', keyHash: key.hash, scopes: ['orders:write', 'orders:read'], allowedCidrs: [], createdBy: admin.id } }))
  shop = { actorType: 'api_key', actorId: key.id, role: 'api_key', scopes: ['orders:write', 'orders:read'] }
  // An endpoint subscribed to both event types, so each event also leaves a pending delivery.
  await sys((tx) => tx.webhookEndpoint.create({ data: { url: 'https://hooks.example.com/pf', events: ['order.status_changed', 'manufacturing.status_changed'], createdBy: 'test' } }))
}

const order = (over: Partial<NewOrder> = {}): NewOrder => ({
  externalId: randomId('order'), displayId: '1042', customerId: randomId('cus'), notes: 'gift wrap',
  items: [{ externalId: randomId('ordli'), kind: 'product', productRef: 'DESK-ORG-01', title: 'Desk organiser', quantity: 2 }],
  ...over,
})
const record = (o: NewOrder, p: Principal = shop) => api.app.services.orders.record(p, o, meta)
const rejects = (status: number, code?: string) => (err: unknown) => err instanceof AppError && err.status === status && (!code || err.code === code)
const orderCount = (externalId: string) => sys((tx) => tx.order.count({ where: { externalId } }))
const events = (type: string, key: string, value: string) =>
  sys(async (tx) => (await tx.webhookEvent.findMany({ where: { type, payload: { path: ['data', key], equals: value } }, orderBy: { createdAt: 'asc' } }))
    .map((e) => (e.payload as { data: Record<string, unknown> }).data))
const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, auth: Record<string, string>, payload?: object) =>
  api.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) })

async function uploadPrintFile(fields: Record<string, string>) {
  const body = multipart([...Object.entries(fields).map(([name, value]) => ({ name, value })), { name: 'model', filename: 'part.gcode.3mf', content: await slicedProject() }])
  return api.app.inject({ method: 'POST', url: '/print-files', headers: { ...(await api.staff('admin')).auth, ...body.headers }, payload: body.payload })
}

async function scanJobOf(customerId: string) {
  return sys(async (tx) => (await tx.scanJob.create({ data: { customerId, title: 'my scan', imageCount: 0 }, select: { id: true } })).id)
}

describe('orders and print files', () => {
before(setup)

describe('print files', () => {
  test('upload stores the file under models/<id>/, a second file for the same productRef is 409, delete removes it', async () => {
    const res = await uploadPrintFile({ name: 'Desk organiser', productRef: 'DESK-ORG-01', model: 'P1S' })
    assert.equal(res.statusCode, 201, res.body)
    const file = res.json().printFile
    assert.equal(file.productRef, 'DESK-ORG-01')
    assert.deepEqual(await api.store.listKeys(`models/${file.id}/`), [`models/${file.id}/model.gcode.3mf`])
    assert.equal((await auditRows(api, { action: 'print_file.created', targetId: file.id })).length, 1)

    const before = await api.store.listKeys('models/')
    const dup = await uploadPrintFile({ name: 'again', productRef: 'DESK-ORG-01', model: 'P1S' })
    assert.equal(dup.statusCode, 409, dup.body)
    assert.deepEqual(await api.store.listKeys('models/'), before, 'the refused upload left no object')

    assert.equal((await uploadPrintFile({ name: 'no model', productRef: 'X-1' })).statusCode, 400)
    assert.equal((await uploadPrintFile({ name: 'one printer', model: 'P1S', printerId: randomUUID() })).statusCode, 400)

    const list = await inject('GET', '/print-files', operator.auth)
    assert.equal(list.statusCode, 200)
    assert.ok(list.json().items.some((f: { id: string }) => f.id === file.id))
    assert.equal((await inject('GET', '/print-files', api.customer().auth)).statusCode, 403)
    assert.equal((await inject('DELETE', `/print-files/${file.id}`, operator.auth)).statusCode, 403)

    const spare = (await uploadPrintFile({ name: 'spare', productRef: 'SPARE-1', model: 'P1S' })).json().printFile
    assert.equal((await inject('DELETE', `/print-files/${spare.id}`, admin.auth)).statusCode, 204)
    assert.deepEqual(await api.store.listKeys(`models/${spare.id}/`), [], 'the object went through the outbox')
    assert.equal(await sys((tx) => tx.objectDeletion.count()), 0)
    assert.equal((await auditRows(api, { action: 'print_file.deleted', targetId: spare.id })).length, 1)
    assert.equal((await inject('DELETE', `/print-files/${spare.id}`, admin.auth)).statusCode, 404)
  })
})

describe('recording orders', () => {
  test('the same order twice is one order (replayed), other content under its externalId is 409', async () => {
    const o = order()
    const first = await record(o)
    assert.equal(first.created, true)
    assert.equal(first.order.status, 'pending_review')
    // Same content, keys in another order and optional fields spelled out as absent.
    const again = await record({ ...o, items: o.items.map((i) => ({ quantity: i.quantity, title: i.title, productRef: i.productRef ?? null, kind: i.kind, externalId: i.externalId ?? null, scanJobId: null })) })
    assert.equal(again.created, false)
    assert.equal(again.order.id, first.order.id)
    await assert.rejects(record({ ...o, items: [{ ...o.items[0]!, quantity: 3 }] }), rejects(409, 'CONFLICT'))
    await assert.rejects(record({ ...o, notes: 'other' }), rejects(409, 'CONFLICT'))
    assert.equal(await orderCount(o.externalId), 1)
    const created = await auditRows(api, { action: 'order.created', targetId: first.order.id })
    assert.equal(created.length, 1)
    assert.deepEqual([created[0]?.actorType, created[0]?.actorId], ['api_key', shop.actorId])
    assert.deepEqual(await events('order.status_changed', 'orderId', first.order.id), [
      { orderId: first.order.id, externalId: o.externalId, customerId: o.customerId, status: 'pending_review', previousStatus: null, reason: null },
    ])
  })

  test('concurrent deliveries of one order leave exactly one row; all but one are replays', async () => {
    const o = order()
    const results = await Promise.all(Array.from({ length: 6 }, () => record(o)))
    assert.equal(results.filter((r) => r.created).length, 1)
    assert.equal(new Set(results.map((r) => r.order.id)).size, 1)
    assert.equal(await orderCount(o.externalId), 1)
  })

  test('over HTTP an admin records by hand: 201, then 200 with idempotent-replayed', async () => {
    const o = order()
    const first = await inject('POST', '/orders', admin.auth, o)
    assert.equal(first.statusCode, 201, first.body)
    assert.equal(first.headers['idempotent-replayed'], undefined)
    const again = await inject('POST', '/orders', admin.auth, o)
    assert.equal(again.statusCode, 200)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(again.json().order.id, first.json().order.id)
    assert.equal((await inject('POST', '/orders', admin.auth, { ...o, displayId: '9' })).statusCode, 409)
    assert.equal((await inject('POST', '/orders', operator.auth, order())).statusCode, 403)
    assert.equal((await inject('POST', '/orders', api.customer().auth, order())).statusCode, 403)
    const bad = await inject('POST', '/orders', admin.auth, order({ items: [{ kind: 'product', title: 'no ref', quantity: 1 }] }))
    assert.equal(bad.statusCode, 400)
    assert.equal((await inject('POST', '/orders', admin.auth, order({ items: [] }))).statusCode, 400)
    assert.equal((await inject('POST', '/orders', admin.auth, order({ items: [{ kind: 'product', productRef: 'A', title: 't', quantity: 1001 }] }))).statusCode, 400)
  })

  test('a scan item must name the customer’s own scan: another’s or an unknown one is the same 400, nothing recorded', async () => {
    const customerId = randomId('cus')
    const own = await scanJobOf(customerId)
    const foreign = await scanJobOf(randomId('cus'))
    for (const scanJobId of [foreign, randomUUID()]) {
      const o = order({ customerId, items: [{ kind: 'scan', scanJobId, title: 'figurine', quantity: 1 }] })
      const err = await record(o).then(() => assert.fail('recorded'), (e: unknown) => e as AppError)
      assert.equal(err.status, 400)
      assert.equal(err.message, 'A scan item names a scan job that is not this customer’s.')
      assert.equal(await orderCount(o.externalId), 0)
      assert.equal((await auditRows(api, { action: 'order.created' })).filter((a) => (a.details as { externalId?: string }).externalId === o.externalId).length, 0)
    }
    const ok = await record(order({ customerId, items: [{ kind: 'scan', scanJobId: own, title: 'figurine', quantity: 1 }] }))
    assert.equal(ok.order.items[0]?.scanJobId, own)
  })
})

describe('reading orders', () => {
  test('customers read only their own (404 for another’s), also with the app’s tenant filter removed (RLS)', async () => {
    const a = api.customer()
    const b = api.customer()
    const mine = (await record(order({ customerId: a.id }))).order
    const theirs = (await record(order({ customerId: b.id }))).order
    const got = await inject('GET', `/orders/${mine.id}`, a.auth)
    assert.equal(got.statusCode, 200)
    assert.equal(got.json().order.id, mine.id)
    assert.equal((await inject('GET', `/orders/${theirs.id}`, a.auth)).statusCode, 404)
    assert.equal((await inject('GET', `/orders/${randomUUID()}`, a.auth)).statusCode, 404)
    const list = await inject('GET', '/orders', a.auth)
    assert.deepEqual(list.json().items.map((o: { id: string }) => o.id), [mine.id])
    // The database alone: a customer context with no filter of ours still sees only its own.
    const ctx: DbContext = { actorId: a.id, role: 'customer' }
    assert.equal(await withTx(api.db, ctx, (tx) => readOrder(tx, theirs.id, null)), null)
    assert.deepEqual(await withTx(api.db, ctx, async (tx) => (await tx.order.findMany({ select: { id: true } })).map((o) => o.id)), [mine.id])
    assert.equal(await withTx(api.db, ctx, (tx) => tx.orderItem.count({ where: { orderId: theirs.id } })), 0)
  })

  test('staff read every order, and each staff read is audited (admin.access); paging and filters work', async () => {
    const customerId = randomId('cus')
    const ids = []
    for (let i = 0; i < 3; i++) ids.push((await record(order({ customerId }))).order.id)
    const got = await inject('GET', `/orders/${ids[0]}`, operator.auth)
    assert.equal(got.statusCode, 200)
    const reads = await auditRows(api, { action: 'admin.access', targetId: ids[0] })
    assert.deepEqual(reads.map((r) => [r.actorId, (r.details as { customerId: string }).customerId]), [[operator.id, customerId]])
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: { id: string; customerId: string }[]; nextCursor: string | null } = (await inject('GET', `/orders?limit=2&status=pending_review${cursor ? `&cursor=${cursor}` : ''}`, admin.auth)).json()
      seen.push(...page.items.filter((o) => o.customerId === customerId).map((o) => o.id))
      cursor = page.nextCursor
    } while (cursor)
    assert.deepEqual(seen, [...ids].reverse())
    const byExternal = await inject('GET', `/orders?externalId=${(await sys((tx) => tx.order.findUniqueOrThrow({ where: { id: ids[1]! } }))).externalId}`, admin.auth)
    assert.deepEqual(byExternal.json().items.map((o: { id: string }) => o.id), [ids[1]])
    assert.equal((await inject('GET', '/orders?cursor=bm9wZQ', admin.auth)).statusCode, 400)
    assert.ok((await auditRows(api, { action: 'admin.access', actorId: admin.id })).some((r) => (r.details as { list?: string }).list === 'orders'))
  })
})

describe('review', () => {
  let printFileId: string
  before(async () => {
    const res = await uploadPrintFile({ name: 'Figurine base', model: 'A1' })
    assert.equal(res.statusCode, 201, res.body)
    printFileId = res.json().printFile.id
  })
  const jobsOf = (orderId: string) => sys((tx) => tx.manufacturingJob.findMany({ where: { orderItem: { orderId } }, orderBy: { createdAt: 'asc' } }))

  test('reject: only from pending_review, with the reason; an admin route', async () => {
    const o = (await record(order())).order
    assert.equal((await inject('POST', `/orders/${o.id}/reject`, operator.auth, { reason: 'no' })).statusCode, 403)
    const res = await inject('POST', `/orders/${o.id}/reject`, admin.auth, { reason: 'Out of stock' })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual([res.json().order.status, res.json().order.statusReason, res.json().order.reviewedBy], ['rejected', 'Out of stock', admin.id])
    assert.equal((await inject('POST', `/orders/${o.id}/reject`, admin.auth, { reason: 'again' })).statusCode, 409)
    assert.equal((await inject('POST', `/orders/${o.id}/approve`, admin.auth, {})).statusCode, 409)
    assert.equal((await inject('POST', `/orders/${randomUUID()}/reject`, admin.auth, { reason: 'x' })).statusCode, 404)
    assert.equal((await auditRows(api, { action: 'order.rejected', targetId: o.id })).length, 1)
    assert.deepEqual((await events('order.status_changed', 'orderId', o.id)).map((d) => [d['previousStatus'], d['status'], d['reason']]), [
      [null, 'pending_review', null], ['pending_review', 'rejected', 'Out of stock'],
    ])
  })

  test('approve without a print file for every item is 409 naming the item; nothing changes, no copy stays', async () => {
    const customerId = randomId('cus')
    const scan = await scanJobOf(customerId)
    const o = (await record(order({ customerId, items: [
      { kind: 'product', productRef: 'DESK-ORG-01', title: 'Desk organiser', quantity: 1 },
      { kind: 'scan', scanJobId: scan, title: 'Figurine', quantity: 1 },
    ] }))).order
    const keysBefore = await api.store.listKeys('models/')
    const res = await inject('POST', `/orders/${o.id}/approve`, admin.auth, {})
    assert.equal(res.statusCode, 409, res.body)
    assert.match(res.json().error.message, new RegExp(`Item 2 \\(${o.items[1]!.id}, "Figurine"\\) has no print file`))
    const unknown = await inject('POST', `/orders/${o.id}/approve`, admin.auth, { printFiles: { [o.items[1]!.id]: randomUUID() } })
    assert.equal(unknown.statusCode, 409)
    assert.equal((await inject('POST', `/orders/${o.id}/approve`, admin.auth, { printFiles: { [randomUUID()]: printFileId } })).statusCode, 400)
    assert.equal((await sys((tx) => tx.order.findUniqueOrThrow({ where: { id: o.id } }))).status, 'pending_review')
    assert.deepEqual(await jobsOf(o.id), [])
    assert.deepEqual(await api.store.listKeys('models/'), keysBefore)
    assert.equal((await auditRows(api, { action: 'order.approved', targetId: o.id })).length, 0)
  })

  test('a print file deleted while its copies are made: 409, the copies are removed, nothing recorded', async () => {
    const file = (await uploadPrintFile({ name: 'vanishing', productRef: 'VANISH-1', model: 'P1S' })).json().printFile
    const o = (await record(order({ items: [{ kind: 'product', productRef: 'VANISH-1', title: 'v', quantity: 3 }] }))).order
    const keysBefore = (await api.store.listKeys('models/')).filter((k) => !k.startsWith(`models/${file.id}/`))
    const store = api.app.store
    const copy = store.copy
    let deleted = false
    store.copy = async (from, to) => {
      if (!deleted) {
        deleted = true
        assert.equal((await inject('DELETE', `/print-files/${file.id}`, admin.auth)).statusCode, 204)
      }
      // The object is gone too by now: copy from another file's object to keep the race about the row.
      return copy(from.startsWith(`models/${file.id}/`) ? `models/${printFileId}/model.gcode.3mf` : from, to)
    }
    try {
      const res = await inject('POST', `/orders/${o.id}/approve`, admin.auth, {})
      assert.equal(res.statusCode, 409, res.body)
    } finally {
      store.copy = copy
    }
    assert.deepEqual(await jobsOf(o.id), [])
    assert.deepEqual(await api.store.listKeys('models/'), keysBefore, 'no copy left behind')
  })

  test('approve creates quantity jobs per item, each with its own copy, linked, dispatched; the order follows its jobs', async () => {
    const customerId = randomId('cus')
    const scan = await scanJobOf(customerId)
    const o = (await record(order({ customerId, items: [
      { kind: 'product', productRef: 'DESK-ORG-01', title: 'Desk organiser', quantity: 2 },
      { kind: 'scan', scanJobId: scan, title: 'Figurine', quantity: 1 },
    ] }))).order
    const res = await inject('POST', `/orders/${o.id}/approve`, admin.auth, { printFiles: { [o.items[1]!.id]: printFileId } })
    assert.equal(res.statusCode, 200, res.body)
    const view = res.json().order
    assert.equal(view.status, 'approved')
    assert.deepEqual(view.items.map((i: { manufacturingJobs: unknown[] }) => i.manufacturingJobs.length), [2, 1])
    const jobs = await jobsOf(o.id)
    assert.equal(jobs.length, 3)
    const deskFile = await sys((tx) => tx.printFile.findUniqueOrThrow({ where: { productRef: 'DESK-ORG-01' } }))
    for (const job of jobs) {
      assert.equal(job.fileKey, `models/${job.id}/model.gcode.3mf`)
      assert.deepEqual(await api.store.listKeys(`models/${job.id}/`), [job.fileKey], 'its own copy')
      assert.equal(job.status, 'queued')
      assert.ok(await api.app.queues.raw.prints.getJob(jobIdFor('print.dispatch', job.id)), 'queued for dispatch')
    }
    assert.deepEqual(jobs.filter((j) => j.orderItemId === o.items[0]!.id).map((j) => [j.fileSha256, j.requestedModel]), [[deskFile.fileSha256, 'P1S'], [deskFile.fileSha256, 'P1S']])
    const scanJobRow = jobs.find((j) => j.orderItemId === o.items[1]!.id)!
    assert.deepEqual([scanJobRow.scanJobId, scanJobRow.requestedModel], [scan, 'A1'])
    const approved = await auditRows(api, { action: 'order.approved', targetId: o.id })
    assert.deepEqual([approved.length, approved[0]?.actorId], [1, admin.id])
    // The customer sees their order's jobs (id, status, progress) — and no other print job.
    const own = await inject('GET', `/orders/${o.id}`, api.customer(customerId).auth)
    assert.deepEqual(own.json().order.items[0].manufacturingJobs.map((j: { status: string }) => j.status), ['queued', 'queued'])

    // Production, through movePrintJob as the worker moves jobs (system) — no printers in this file.
    const { applyPrintMove } = await import('@printforge/domain')
    const [j1, j2, j3] = jobs as [typeof jobs[0], typeof jobs[0], typeof jobs[0]]
    await sys((tx) => applyPrintMove(tx, 'claim', { jobId: j1.id }))
    assert.equal((await sys((tx) => tx.order.findUniqueOrThrow({ where: { id: o.id } }))).status, 'in_production')
    for (const j of [j1, j2, j3]) {
      if (j !== j1) await sys((tx) => applyPrintMove(tx, 'claim', { jobId: j.id }))
      for (const move of ['recordTask', 'confirmStart'] as const) await sys((tx) => applyPrintMove(tx, move, { jobId: j.id }))
    }
    await sys((tx) => applyPrintMove(tx, 'complete', { jobId: j1.id, data: { progress: 100 } }))
    await sys((tx) => applyPrintMove(tx, 'complete', { jobId: j2.id, data: { progress: 100 } }))
    assert.equal((await sys((tx) => tx.order.findUniqueOrThrow({ where: { id: o.id } }))).status, 'in_production', 'one job still prints')
    await sys((tx) => applyPrintMove(tx, 'complete', { jobId: j3.id, data: { progress: 100 } }))
    const done = await sys((tx) => tx.order.findUniqueOrThrow({ where: { id: o.id } }))
    assert.equal(done.status, 'completed')
    assert.ok(done.finishedAt)
    assert.deepEqual((await events('order.status_changed', 'orderId', o.id)).map((d) => d['status']), ['pending_review', 'approved', 'in_production', 'completed'])
    for (const action of ['order.in_production', 'order.completed']) {
      const rows = await auditRows(api, { action, targetId: o.id })
      assert.deepEqual(rows.map((r) => [r.actorType, r.requestId]), [['system', approved[0]?.requestId]], `${action}: system, correlated with the approving request`)
    }
    const moves = await events('manufacturing.status_changed', 'manufacturingJobId', j3.id)
    assert.deepEqual(moves.map((d) => [d['previousStatus'], d['status']]), [['queued', 'uploading'], ['uploading', 'starting'], ['starting', 'printing'], ['printing', 'completed']])
    assert.deepEqual(moves.at(-1), {
      manufacturingJobId: j3.id, orderId: o.id, orderItemId: j3.orderItemId, status: 'completed', previousStatus: 'printing', printerId: null, progress: 100, error: null,
    })
    const deliveries = await sys((tx) => tx.webhookDelivery.count({ where: { event: { type: 'order.status_changed', payload: { path: ['data', 'orderId'], equals: o.id } } } }))
    assert.equal(deliveries, 4, 'one pending delivery per event for the subscribed endpoint')
  })

  test('a cancelled job fails its order with the reason (an operator’s cancel); a failed one too', async () => {
    for (const how of ['cancel', 'fail'] as const) {
      const o = (await record(order({ items: [{ kind: 'product', productRef: 'DESK-ORG-01', title: 'Desk organiser', quantity: 2 }] }))).order
      assert.equal((await inject('POST', `/orders/${o.id}/approve`, admin.auth, {})).statusCode, 200)
      const [job] = await jobsOf(o.id)
      if (how === 'cancel') {
        assert.equal((await inject('POST', `/manufacturing/${job!.id}/cancel`, operator.auth)).statusCode, 200)
      } else {
        const { failPrintJob } = await import('@printforge/domain')
        await sys((tx) => failPrintJob(tx, job!.id, { code: 'HMS', reason: 'The heatbed temperature is abnormal' }))
      }
      const failed = await sys((tx) => tx.order.findUniqueOrThrow({ where: { id: o.id } }))
      assert.equal(failed.status, 'failed')
      const reason = how === 'cancel' ? `Print job ${job!.id} was cancelled.` : `Print job ${job!.id} failed: The heatbed temperature is abnormal`
      assert.equal(failed.statusReason, reason)
      const audit = await auditRows(api, { action: 'order.failed', targetId: o.id })
      assert.deepEqual(audit.map((a) => [a.actorType, a.actorId]), [how === 'cancel' ? ['user', operator.id] : ['system', 'system']])
      assert.deepEqual((await events('order.status_changed', 'orderId', o.id)).at(-1), {
        orderId: o.id, externalId: failed.externalId, customerId: failed.customerId, status: 'failed', previousStatus: 'approved', reason,
      })
    }
  })
})
})
