// The print path end to end, through the API only: an admin registers virtual printers, dispatches
// a sliced project, an operator pauses and resumes it, another print is cancelled; the worker drives
// the printers over MQTT-TLS and FTPS. Nothing is arranged in the database behind the API's back.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import type { VirtualPrinter } from '@printforge/printer-sim'
import { slicedProject } from '../../api/test/models.ts'
import { multipart, startApi } from './api-client.ts'
import { useFarm, useWorker, useWorkerEnv, waitFor } from './helper.ts'

const env = useWorkerEnv()
// speed 15: PREPARE ≈ 0.7 s, printing ≈ 8 s — long enough to pause, resume and cancel mid-print.
// After the X1C and the P1S: the newest models (docs/bambu-protocol.md §1.2, §2.4, §4.3).
const NEWEST = ['H2S', 'H2C', 'P2S', 'X2D', 'A2L'] as const
const printers = useFarm([{ model: 'X1C' }, { model: 'P1S' }, ...NEWEST.map((model) => ({ model }))], 15)
useWorker(env, async () => ({ extraCaPems: [(await printers.ready).caPem] }))

type Api = Awaited<ReturnType<typeof startApi>>

/**
 * Waits on a probe that calls the API: polled once a second, because the API really rate-limits
 * (100 requests a minute per actor) and a test that polled faster would be refused with 429.
 */
const viaApi = <T>(label: string, probe: () => Promise<T | null | false>, timeoutMs = 30_000) => waitFor(label, probe, timeoutMs, 1_000)
type Auth = { authorization: string }

async function staff(api: Api, role: 'admin' | 'operator'): Promise<Auth> {
  const userId = `user_${role}_${Math.random().toString(36).slice(2)}`
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.staff.create({ data: { userId, role, grantedBy: 'test' } }))
  return { authorization: `Bearer ${api.token(userId, 'user')}` }
}

async function register(api: Api, admin: Auth, p: VirtualPrinter, name: string): Promise<string> {
  const res = await api.app.inject({
    method: 'POST', url: '/printers', headers: admin,
    payload: { name, model: p.model, serial: p.serial, host: p.host, accessCode: p.accessCode, mqttPort: p.mqttPort, ftpsPort: p.ftpsPort },
  })
  assert.equal(res.statusCode, 201, res.body)
  return (res.json() as { printer: { id: string } }).printer.id
}

const getPrinter = async (api: Api, auth: Auth, id: string) =>
  (await api.app.inject({ method: 'GET', url: `/printers/${id}`, headers: auth })).json().printer as { online: boolean; controlEnabled: boolean; gcodeState: string | null; progress: number | null }

const getJob = async (api: Api, auth: Auth, id: string) => {
  const res = await api.app.inject({ method: 'GET', url: `/manufacturing/${id}`, headers: auth })
  assert.equal(res.statusCode, 200, res.body)
  return res.json().manufacturingJob as { status: string; progress: number; printer: { id: string } | null; error: unknown; history: { from: string | null; to: string }[] }
}

async function dispatch(api: Api, admin: Auth, fields: Record<string, string>): Promise<string> {
  const body = multipart([
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    { name: 'model', filename: 'benchy.gcode.3mf', content: await slicedProject(), contentType: 'application/octet-stream' },
  ])
  const res = await api.app.inject({ method: 'POST', url: '/manufacturing/create', headers: { ...admin, ...body.headers }, payload: body.payload })
  assert.equal(res.statusCode, 202, res.body)
  return (res.json() as { manufacturingJob: { id: string } }).manufacturingJob.id
}

async function command(api: Api, auth: Auth, printerId: string, name: string) {
  const res = await api.app.inject({ method: 'POST', url: `/printers/${printerId}/commands`, headers: auth, payload: { command: name } })
  assert.equal(res.statusCode, 202, res.body)
}

test('through the API: register, dispatch, pause, resume, complete; a second print is cancelled mid-print', async () => {
  const farm = await printers.ready
  const [x1c, p1s] = farm.printers as [VirtualPrinter, VirtualPrinter]
  const api = await startApi(env)
  const admin = await staff(api, 'admin')
  const operator = await staff(api, 'operator')

  // The worker picks up printers registered through the API without a restart.
  const x1cId = await register(api, admin, x1c, 'Bay 1 X1C')
  const p1sId = await register(api, admin, p1s, 'Bay 2 P1S')
  for (const id of [x1cId, p1sId]) {
    await viaApi('printer online through GET /printers/:id', async () => {
      const p = await getPrinter(api, operator, id)
      return p.online && p.gcodeState === 'IDLE' && p.controlEnabled
    })
  }

  // 1. A named printer: uploaded, started once, paused and resumed by an operator, completed.
  const first = await dispatch(api, admin, { printerId: x1cId })
  await viaApi('printing', async () => (await getJob(api, operator, first)).status === 'printing' && x1c.job.gcodeState === 'RUNNING')
  await command(api, operator, x1cId, 'pause')
  await waitFor('paused on the printer', () => x1c.job.gcodeState === 'PAUSE')
  await viaApi('paused in GET /printers/:id', async () => (await getPrinter(api, operator, x1cId)).gcodeState === 'PAUSE')
  await command(api, operator, x1cId, 'resume')
  await waitFor('running again', () => x1c.job.gcodeState === 'RUNNING')
  const done = await viaApi('completed', async () => {
    const j = await getJob(api, operator, first)
    return j.status === 'completed' ? j : null
  }, 60_000)
  assert.equal(done.progress, 100)
  assert.equal(done.printer?.id, x1cId)
  assert.deepEqual(done.history.map((h) => h.to), ['queued', 'uploading', 'starting', 'printing', 'completed'])
  assert.equal(x1c.commands('print', 'project_file').length, 1, 'sent exactly once')
  assert.equal(x1c.commands('print', 'pause').length, 1)
  assert.equal(x1c.commands('print', 'resume').length, 1)

  // 2. By model: the idle, control-enabled P1S is chosen; cancel through the API stops it.
  const second = await dispatch(api, admin, { model: 'P1S' })
  await viaApi('printing on the P1S', async () => (await getJob(api, operator, second)).status === 'printing' && p1s.job.gcodeState === 'RUNNING')
  const cancel = await api.app.inject({ method: 'POST', url: `/manufacturing/${second}/cancel`, headers: admin })
  assert.ok(cancel.statusCode < 300, cancel.body)
  await waitFor('printer stopped', () => p1s.job.gcodeState === 'FAILED')
  assert.ok(p1s.commands('print', 'stop').length >= 1)
  const cancelled = await getJob(api, operator, second)
  assert.equal(cancelled.status, 'cancelled')
  assert.equal(cancelled.printer?.id, p1sId)
  assert.equal(p1s.commands('print', 'project_file').length, 1)

  // Every step is in the audit log, and the chain holds.
  const verify = await api.app.inject({ method: 'GET', url: '/audit/verify', headers: admin })
  assert.equal(verify.json().ok, true, verify.body)
  const audit = await api.app.inject({ method: 'GET', url: `/audit?targetId=${first}`, headers: admin })
  const actions = (audit.json().items as { action: string }[]).map((a) => a.action)
  for (const action of ['manufacturing.created', 'manufacturing.started', 'manufacturing.completed']) assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`)
})

test('the newest models through the API: registered, online over MQTT-TLS, a print by model uploaded over FTPS and completed', async () => {
  const farm = await printers.ready
  const newest = farm.printers.filter((p) => (NEWEST as readonly string[]).includes(p.model))
  assert.deepEqual(newest.map((p) => p.model), [...NEWEST])
  const api = await startApi(env)
  // One admin and one operator per model: the API rate-limits per actor, and these run side by side.
  await Promise.all(newest.map(async (p) => {
    const admin = await staff(api, 'admin')
    const operator = await staff(api, 'operator')
    const id = await register(api, admin, p, `Bay ${p.model}`)
    await viaApi(`${p.model} online`, async () => {
      const s = await getPrinter(api, operator, id)
      return s.online && s.gcodeState === 'IDLE' && s.controlEnabled
    })
    const job = await dispatch(api, admin, { model: p.model })
    const done = await viaApi(`${p.model} completed`, async () => {
      const j = await getJob(api, operator, job)
      return j.status === 'completed' ? j : null
    }, 90_000)
    assert.equal(done.printer?.id, id, p.model)
    assert.deepEqual(done.history.map((h) => h.to), ['queued', 'uploading', 'starting', 'printing', 'completed'])
    const sent = p.commands('print', 'project_file')
    assert.equal(sent.length, 1, `${p.model}: sent exactly once`)
    // pybambu's rule: every model outside LEGACY_SDCARD_PRINTERS prints from ftp:///.
    assert.equal(sent[0]?.message?.print?.url, `ftp:///printforge/${job}.gcode.3mf`)
    assert.ok(((await p.fileSize(`printforge/${job}.gcode.3mf`)) ?? 0) > 0, `${p.model}: uploaded over FTPS`)
  }))
})
