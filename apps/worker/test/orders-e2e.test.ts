// An order end to end on virtual printers (docs/integrations.md "Orders"): the real API records
// and approves it, the real worker prints its jobs, and movePrintJob carries the order along —
// to completed when every job completes, to failed (with the reason) when one fails.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { slicedProject } from '../../api/test/models.ts'
import { multipart, startApi } from './api-client.ts'
import { registerPrinter, useFarm, useWorker, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'
import { adminAuth } from './print-flow.ts'

const env = useWorkerEnv()
// speed 60: a print lasts about 2 s.
const printers = useFarm([{ model: 'P1S' }], 60)
useWorker(env, async () => ({ extraCaPems: [(await printers.ready).caPem] }))

const orderRow = (id: string) => withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.order.findUniqueOrThrow({ where: { id } }))
const jobsOf = (orderId: string) => withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.manufacturingJob.findMany({ where: { orderItem: { orderId } }, orderBy: { createdAt: 'asc' } }))
const orderEvents = (orderId: string) => withTx(env.db, SYSTEM_CONTEXT, async (tx) =>
  (await tx.webhookEvent.findMany({ where: { type: 'order.status_changed', payload: { path: ['data', 'orderId'], equals: orderId } }, orderBy: { createdAt: 'asc' } }))
    .map((e) => (e.payload as { data: { status: string; reason: string | null } }).data))

test('approve → the jobs print on the farm → the order completes; a failed print fails its order with the reason', async () => {
  const api = await startApi(env)
  const auth = await adminAuth(env, api)
  const printer = printers.farm.printers[0]!
  await registerPrinter(env, printer, 'orders P1S')
  const file = multipart([
    { name: 'name', value: 'Desk organiser' }, { name: 'productRef', value: 'DESK-ORG-01' }, { name: 'model', value: 'P1S' },
    { name: 'model', filename: 'desk.gcode.3mf', content: await slicedProject(), contentType: 'application/octet-stream' },
  ])
  const uploaded = await api.app.inject({ method: 'POST', url: '/print-files', headers: { ...auth, ...file.headers }, payload: file.payload })
  assert.equal(uploaded.statusCode, 201, uploaded.body)

  const place = async (quantity: number) => {
    const body = { externalId: `order_${randomBytes(6).toString('hex')}`, customerId: 'cus_e2e', items: [{ kind: 'product', productRef: 'DESK-ORG-01', title: 'Desk organiser', quantity }] }
    const res = await api.app.inject({ method: 'POST', url: '/orders', headers: auth, payload: body })
    assert.equal(res.statusCode, 201, res.body)
    const id = res.json().order.id as string
    const approved = await api.app.inject({ method: 'POST', url: `/orders/${id}/approve`, headers: auth, payload: {} })
    assert.equal(approved.statusCode, 200, approved.body)
    return id
  }

  const done = await place(2)
  await waitFor('order completed', async () => (await orderRow(done)).status === 'completed', 90_000, 250)
  const jobs = await jobsOf(done)
  assert.deepEqual(jobs.map((j) => j.status), ['completed', 'completed'])
  assert.deepEqual((await orderEvents(done)).map((d) => d.status), ['pending_review', 'approved', 'in_production', 'completed'])
  const view = await api.app.inject({ method: 'GET', url: `/orders/${done}`, headers: auth })
  assert.deepEqual(view.json().order.items[0].manufacturingJobs.map((j: { status: string; progress: number }) => [j.status, j.progress]), [['completed', 100], ['completed', 100]])

  const failing = await place(1)
  const [job] = await jobsOf(failing)
  await waitForJobStatus(env, job!.id, 'printing', 60_000)
  await waitFor('printing on the printer', () => printer.job.gcodeState === 'RUNNING')
  printer.failPrint('0300_0100_0001_0007')
  await waitForJobStatus(env, job!.id, 'failed')
  const failed = await waitFor('order failed', async () => {
    const row = await orderRow(failing)
    return row.status === 'failed' ? row : null
  })
  assert.match(failed.statusReason ?? '', new RegExp(`^Print job ${job!.id} failed: HMS 0300_0100_0001_0007`))
  const events = await orderEvents(failing)
  assert.deepEqual(events.map((d) => d.status), ['pending_review', 'approved', 'in_production', 'failed'])
  assert.equal(events.at(-1)?.reason, failed.statusReason)
  const audit = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { targetId: failing }, orderBy: { id: 'asc' } }))
  assert.deepEqual(audit.map((a) => [a.action, a.actorType]), [['order.created', 'user'], ['order.approved', 'user'], ['order.in_production', 'system'], ['order.failed', 'system']])
})
