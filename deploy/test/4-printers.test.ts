import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { slicedProject } from '../../apps/api/test/models.ts'
import { as } from './scans.ts'
import { compose, multipart, request, waitFor } from './stack.ts'

interface SimPrinter {
  model: string
  serial: string
  accessCode: string
  host: string
  mqttPort: number
  ftpsPort: number
}

test('an admin registers the virtual printer and dispatches a print through nginx: it completes, every step audited', async (t) => {
  const admin = `user_printers${randomBytes(4).toString('hex')}`
  compose(['run', '--rm', '--no-deps', 'cli', 'staff', 'grant', admin, 'admin'])
  const auth = as('user', admin)
  // What the operator reads off the simulator's screen (its log): serial, access code, address.
  const sim = await waitFor('the simulator listing its printer', () => {
    const line = compose(['logs', '--no-color', 'printer-sim']).stdout.split('\n').find((l) => l.includes('{"printer":'))
    return line ? (JSON.parse(line.slice(line.indexOf('{'))) as { printer: SimPrinter }).printer : undefined
  })
  const registered = await request('POST', '/printers', {
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Demo X1C', model: sim.model, serial: sim.serial, host: sim.host, accessCode: sim.accessCode, mqttPort: sim.mqttPort, ftpsPort: sim.ftpsPort }),
  })
  assert.equal(registered.status, 201, registered.text)
  const printerId = registered.json<{ printer: { id: string } }>().printer.id
  // Polled every 2 s: one admin's requests count against the API's rate limit (100 a minute).
  await waitFor('the worker connected over MQTT-TLS', async () => {
    const res = await request('GET', `/printers/${printerId}`, { headers: auth })
    if (res.status !== 200) return undefined
    const p = res.json<{ printer: { online: boolean; gcodeState: string | null } }>().printer
    return p.online && p.gcodeState === 'IDLE'
  }, 90_000, 2_000)

  const form = multipart([{ name: 'printerId', value: printerId }, { name: 'model', filename: 'benchy.gcode.3mf', content: await slicedProject(), contentType: 'application/octet-stream' }])
  const dispatched = await request('POST', '/manufacturing/create', { headers: { ...auth, 'content-type': form.contentType }, body: form.body })
  assert.equal(dispatched.status, 202, dispatched.text)
  const jobId = dispatched.json<{ manufacturingJob: { id: string } }>().manufacturingJob.id
  const started = Date.now()
  const done = await waitFor('the print completed', async () => {
    const res = await request('GET', `/manufacturing/${jobId}`, { headers: auth })
    if (res.status !== 200) return undefined
    const job = res.json<{ manufacturingJob: { status: string; history: { to: string }[] } }>().manufacturingJob
    assert.ok(!['failed', 'cancelled'].includes(job.status), `print ${job.status}`)
    return job.status === 'completed' ? job : undefined
  }, 180_000, 2_000)
  t.diagnostic(`dispatch → completed in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  assert.deepEqual(done.history.map((h) => h.to), ['queued', 'uploading', 'starting', 'printing', 'completed'])
  const verify = await request('GET', '/audit/verify', { headers: auth })
  assert.equal(verify.json<{ ok: boolean }>().ok, true)
})
