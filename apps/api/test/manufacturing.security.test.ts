import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { jobIdFor } from '@printforge/jobs'
import { auditRows, multipart, rawMultipart, useApi } from './helper.ts'
import { lieAboutSize, slicedProject, zip } from './models.ts'

const api = useApi({ MAX_MODEL_BYTES: 2 * 1024 * 1024 })
const models = () => api.store.listKeys('models/')

type Fields = Record<string, string>
async function dispatch(auth: Record<string, string>, file: Buffer, fields: Fields = { model: 'P1S' }, filename = 'benchy.gcode.3mf', headers: Record<string, string> = {}) {
  const body = multipart([...Object.entries(fields).map(([name, value]) => ({ name, value })), { name: 'model', filename, content: file, contentType: 'application/octet-stream' }])
  return api.app.inject({ method: 'POST', url: '/manufacturing/create', headers: { ...auth, ...headers, ...body.headers }, payload: body.payload })
}

describe('print jobs (docs/product.md §4.5, §12)', () => {
  let admin: Awaited<ReturnType<typeof api.staff>>
  before(async () => {
    admin = await api.staff('admin')
  })

  /** A refused dispatch stores no model and creates no row. (A fresh admin each time: 5/min.) */
  async function refused(status: number, file: Buffer, fields?: Fields, filename?: string) {
    const before = await models()
    const res = await dispatch((await api.staff('admin')).auth, file, fields, filename)
    assert.equal(res.statusCode, status, res.body)
    assert.equal(res.headers['connection'], 'close', 'a refused upload closes its connection')
    assert.deepEqual(await models(), before)
    return res
  }

  test('a sliced project is stored, recorded with its history, audited and queued for dispatch', async () => {
    const res = await dispatch(admin.auth, await slicedProject(), { model: 'P1S', plate: '1', useAms: 'true', amsMapping: '[0,1,-1]', timelapse: 'false' })
    assert.equal(res.statusCode, 202, res.body)
    const { id, status } = res.json().manufacturingJob
    assert.equal(status, 'queued')
    assert.deepEqual(await api.store.listKeys(`models/${id}/`), [`models/${id}/model.gcode.3mf`])
    const job = await api.app.inject({ method: 'GET', url: `/manufacturing/${id}`, headers: admin.auth })
    const view = job.json().manufacturingJob
    assert.deepEqual([view.requestedModel, view.plate, view.useAms, view.amsMapping, view.bedLeveling], ['P1S', 1, true, [0, 1, -1], true])
    assert.deepEqual(view.history.map((h: { from: string | null; to: string }) => [h.from, h.to]), [[null, 'queued']])
    assert.ok(await api.app.queues.raw.prints.getJob(jobIdFor('print.dispatch', id)))
    assert.equal((await auditRows(api, { action: 'manufacturing.created', targetId: id })).length, 1)
  })

  test('not a ZIP by its bytes: 415, whatever it is called', async () => {
    await refused(415, Buffer.from('G28\nG1 X0\n'.repeat(100)))
    await refused(415, await slicedProject(), { model: 'P1S' }, 'benchy.gcode')
    await refused(415, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(500, 7)]))
  })

  test('a project without the plate’s G-code is refused', async () => {
    await refused(400, await zip([['3D/3dmodel.model', '<model/>']]))
    await refused(400, await slicedProject([1]), { model: 'P1S', plate: '2' })
  })

  test('zip bombs are refused: compression ratio, entry count, and a header that lies', async () => {
    const zeros = Buffer.alloc(20 * 1024 * 1024)
    await refused(413, await zip([['Metadata/plate_1.gcode', zeros]]))
    const many = Array.from({ length: 2_001 }, (_, i) => [`junk/${i}.txt`, 'x', false] as [string, string, boolean])
    await refused(413, await zip([...many, ['Metadata/plate_1.gcode', 'G28']]))
    const honest = await zip([['Metadata/plate_1.gcode', 'G28\n'.repeat(5_000)]])
    await refused(415, lieAboutSize(honest, 'Metadata/plate_1.gcode', 10))
  })

  test('a model over MAX_MODEL_BYTES is 413', async () => {
    const big = await zip([['Metadata/plate_1.gcode', 'G28\n'], ['pad.bin', Buffer.alloc(3 * 1024 * 1024, 1), false]])
    await refused(413, big)
  })

  test('fields are validated; unknown printers and scan jobs are 404', async () => {
    const project = await slicedProject()
    await refused(400, project, {})
    for (const model of ['X9', 'p2s', 'A1M', 'X2C', 'A2L ', 'H2S\u0000']) await refused(400, project, { model })
    await refused(400, project, { model: 'P1S', amsMapping: '[1,"x"]' })
    await refused(400, project, { model: 'P1S', plate: '0' })
    await refused(400, project, { model: 'P1S', status: 'printing' })
    await refused(404, project, { printerId: randomUUID() })
    await refused(404, project, { model: 'P1S', scanJobId: randomUUID() })
  })

  test('a part without a name, or a file part without a filename, is a 400, not a 500 (fuzzing finding)', async () => {
    const project = await slicedProject()
    for (const parts of [
      [['Content-Disposition: form-data', 'P1S']],
      [['Content-Disposition: form-data; filename="m.gcode.3mf"\r\nContent-Type: application/octet-stream', project]],
      [['Content-Disposition: form-data; name="model"\r\nContent-Type: application/octet-stream', project]],
    ] as [string, string | Buffer][][]) {
      const before = await models()
      const body = rawMultipart(parts)
      const res = await api.app.inject({ method: 'POST', url: '/manufacturing/create', headers: { ...(await api.staff('admin')).auth, ...body.headers }, payload: body.payload })
      assert.equal(res.statusCode, 400, res.body)
      assert.equal(res.json().error.code, 'VALIDATION_FAILED')
      assert.deepEqual(await models(), before)
    }
  })

  test('only admins dispatch; operators follow and cancel', async () => {
    const operator = await api.staff('operator')
    assert.equal((await dispatch(operator.auth, await slicedProject())).statusCode, 403)
    assert.equal((await dispatch(api.customer().auth, await slicedProject())).statusCode, 403)
    const { id } = (await dispatch((await api.staff('admin')).auth, await slicedProject())).json().manufacturingJob
    const list = await api.app.inject({ method: 'GET', url: '/manufacturing?status=queued', headers: operator.auth })
    assert.ok(list.json().items.some((j: { id: string }) => j.id === id))
    const cancelled = await api.app.inject({ method: 'POST', url: `/manufacturing/${id}/cancel`, headers: operator.auth })
    assert.deepEqual(cancelled.json(), { manufacturingJob: { id, status: 'cancelled' } })
    assert.equal((await api.app.inject({ method: 'POST', url: `/manufacturing/${id}/cancel`, headers: operator.auth })).statusCode, 409)
    const history = (await api.app.inject({ method: 'GET', url: `/manufacturing/${id}`, headers: operator.auth })).json().manufacturingJob.history
    assert.deepEqual(history.map((h: { to: string }) => h.to), ['queued', 'cancelled'])
    assert.equal((await auditRows(api, { action: 'manufacturing.cancelled', targetId: id })).length, 1)
  })

  test('cancelling a job that may be printing asks the worker to stop it', async () => {
    const { id } = (await dispatch((await api.staff('admin')).auth, await slicedProject())).json().manufacturingJob
    await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.manufacturingJob.update({ where: { id }, data: { status: 'printing' } }))
    assert.equal((await api.app.inject({ method: 'POST', url: `/manufacturing/${id}/cancel`, headers: (await api.staff('operator')).auth })).statusCode, 200)
    assert.ok(await api.app.queues.raw.prints.getJob(jobIdFor('print.cancel', id)))
  })

  test('a cancel with a multipart or text/plain body is 415 and cancels nothing (fuzzing finding)', async () => {
    // Both are CORS "simple" content types. Multipart parsing was registered for the whole scope,
    // so a multipart POST to /:id/cancel was parsed and cancelled the job.
    const { id } = (await dispatch((await api.staff('admin')).auth, await slicedProject())).json().manufacturingJob
    const operator = await api.staff('operator')
    for (const [type, payload] of [['multipart/form-data; boundary=x', '--x--\r\n'], ['text/plain', 'cancel']]) {
      const res = await api.app.inject({ method: 'POST', url: `/manufacturing/${id}/cancel`, headers: { ...operator.auth, origin: 'https://evil.example.com', 'content-type': type }, payload })
      assert.equal(res.statusCode, 415, `${type}: ${res.body}`)
      assert.equal(res.json().error.code, 'UNSUPPORTED_MEDIA_TYPE')
    }
    const job = await api.app.inject({ method: 'GET', url: `/manufacturing/${id}`, headers: operator.auth })
    assert.equal(job.json().manufacturingJob.status, 'queued')
  })

  test('Idempotency-Key replays the first dispatch', async () => {
    const project = await slicedProject()
    const key = { 'idempotency-key': 'dispatch-42' }
    const dispatcher = await api.staff('admin')
    const first = await dispatch(dispatcher.auth, project, { model: 'A1' }, 'a.gcode.3mf', key)
    const stored = await models()
    const again = await dispatch(dispatcher.auth, project, { model: 'A1' }, 'a.gcode.3mf', key)
    assert.deepEqual(again.json(), first.json())
    assert.deepEqual(await models(), stored)
    assert.equal((await dispatch(dispatcher.auth, project, { model: 'X1C' }, 'a.gcode.3mf', key)).statusCode, 409)
  })
})
