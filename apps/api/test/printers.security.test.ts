import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { PRINTER_MODELS } from '@printforge/domain'
import { decryptAccessCode, parsePrinterKeys } from '@printforge/printer-keys'
import { auditRows, useApi } from './helper.ts'

const api = useApi()
let serials = 0
const body = (extra: Record<string, unknown> = {}) => ({
  name: 'Farm X1C #1', model: 'X1C', serial: `00M09A${String(++serials).padStart(9, '0')}`, host: '192.168.1.50', accessCode: '12345678', ...extra,
})

async function register(auth: Record<string, string>, payload: Record<string, unknown> = body()) {
  return api.app.inject({ method: 'POST', url: '/printers', headers: auth, payload })
}

describe('printers (docs/product.md §4.4, §12)', () => {
  test('an admin registers a printer; the access code is encrypted at rest, bound to the serial, and never returned', async () => {
    const admin = await api.staff('admin')
    const payload = body({ accessCode: 'Ab3dE6g8' })
    const res = await register(admin.auth, payload)
    assert.equal(res.statusCode, 201, res.body)
    const { printer } = res.json()
    assert.equal(printer.mqttPort, 8883)
    assert.equal(printer.ftpsPort, 990)
    assert.equal(printer.online, false)
    assert.doesNotMatch(res.body, /Ab3dE6g8|accessCode|ciphertext|nonce/i)
    const row = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.printer.findUniqueOrThrow({ where: { id: printer.id } }))
    assert.equal(Buffer.from(row.accessCodeCiphertext).includes('Ab3dE6g8'), false)
    const keyring = parsePrinterKeys(api.config.PRINTER_KEYS)
    const sealed = { ciphertext: Buffer.from(row.accessCodeCiphertext), nonce: Buffer.from(row.accessCodeNonce), keyId: row.accessCodeKeyId }
    assert.equal(decryptAccessCode(keyring, sealed, payload.serial as string), 'Ab3dE6g8')
    const [audit] = await auditRows(api, { action: 'printer.registered', targetId: printer.id })
    assert.doesNotMatch(JSON.stringify(audit?.details), /Ab3dE6g8/)
  })

  for (const host of ['8.8.8.8', '1.1.1.1', 'printer.local', 'localhost', '169.254.10.10', '0.0.0.0', '::ffff:8.8.8.8', '2001:db8::1', '192.168.1.50.evil.com', '10.0.0.1/8']) {
    test(`host ${host} is refused (SSRF guard)`, async () => {
      const admin = await api.staff('admin')
      const res = await register(admin.auth, body({ host }))
      assert.equal(res.statusCode, 400, res.body)
      assert.equal(res.json().error.code, 'VALIDATION_FAILED')
    })
  }

  test('every model registers, the newest included; any other model name is 400 and nothing is stored', async () => {
    const admin = await api.staff('admin')
    for (const model of PRINTER_MODELS) {
      const res = await register(admin.auth, body({ model, name: `Farm ${model}` }))
      assert.equal(res.statusCode, 201, `${model}: ${res.body}`)
      assert.equal(res.json().printer.model, model)
    }
    for (const m of ['H2S', 'H2C', 'P2S', 'X2D', 'A2L']) assert.ok(PRINTER_MODELS.includes(m as (typeof PRINTER_MODELS)[number]), m)
    const count = () => withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.printer.count())
    const before = await count()
    // Lower case, the client's spelling of the A1 mini, near misses, padding, control bytes, non-strings.
    // (A one-element array such as ['X2D'] is unwrapped by ajv's coerceTypes 'array', as for every field.)
    for (const model of ['p2s', 'A1M', 'X2C', 'H2DPRO', 'A2L ', ' H2S', 'A2L\u0000', '', 5, null, ['X2D', 'X2D'], {}]) {
      const res = await register(admin.auth, body({ model }))
      assert.equal(res.statusCode, 400, `${JSON.stringify(model)}: ${res.body}`)
      assert.equal(res.json().error.code, 'VALIDATION_FAILED')
    }
    assert.equal(await count(), before)
  })

  test('private and loopback hosts are accepted; a duplicate serial is 409', async () => {
    const admin = await api.staff('admin')
    for (const host of ['10.0.0.5', '172.20.1.9', '127.0.0.1', 'fd00::5']) assert.equal((await register(admin.auth, body({ host }))).statusCode, 201, host)
    const first = body()
    assert.equal((await register(admin.auth, first)).statusCode, 201)
    assert.equal((await register(admin.auth, { ...first, name: 'dup' })).statusCode, 409)
  })

  test('operators read and control but do not manage; customers get 403 everywhere', async () => {
    const admin = await api.staff('admin')
    const operator = await api.staff('operator')
    const customer = api.customer()
    const { printer } = (await register(admin.auth)).json()
    assert.equal((await api.app.inject({ method: 'GET', url: '/printers', headers: operator.auth })).statusCode, 200)
    assert.equal((await api.app.inject({ method: 'GET', url: `/printers/${printer.id}`, headers: operator.auth })).statusCode, 200)
    assert.equal((await register(operator.auth)).statusCode, 403)
    assert.equal((await api.app.inject({ method: 'PATCH', url: `/printers/${printer.id}`, headers: operator.auth, payload: { name: 'x' } })).statusCode, 403)
    assert.equal((await api.app.inject({ method: 'DELETE', url: `/printers/${printer.id}`, headers: operator.auth })).statusCode, 403)
    for (const [method, url] of [['GET', '/printers'], ['GET', `/printers/${printer.id}`], ['POST', `/printers/${printer.id}/commands`]] as const) {
      assert.equal((await api.app.inject({ method, url, headers: customer.auth, payload: method === 'POST' ? { command: 'pause' } : undefined })).statusCode, 403, url)
    }
  })

  test('mass assignment of status or secret columns is refused', async () => {
    const admin = await api.staff('admin')
    assert.equal((await register(admin.auth, { ...body(), online: true })).statusCode, 400)
    assert.equal((await register(admin.auth, { ...body(), accessCodeKeyId: 'k0' })).statusCode, 400)
    const { printer } = (await register(admin.auth)).json()
    const res = await api.app.inject({ method: 'PATCH', url: `/printers/${printer.id}`, headers: admin.auth, payload: { serial: '00M000000000000' } })
    assert.equal(res.statusCode, 400)
  })

  test('rotating the access code re-encrypts it; the audit names fields, never values', async () => {
    const admin = await api.staff('admin')
    const { printer } = (await register(admin.auth)).json()
    const before = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.printer.findUniqueOrThrow({ where: { id: printer.id } }))
    const res = await api.app.inject({ method: 'PATCH', url: `/printers/${printer.id}`, headers: admin.auth, payload: { accessCode: 'NewCode99', host: '10.0.0.9' } })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json().printer.host, '10.0.0.9')
    const after = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.printer.findUniqueOrThrow({ where: { id: printer.id } }))
    assert.notDeepEqual(Buffer.from(after.accessCodeNonce), Buffer.from(before.accessCodeNonce))
    const [audit] = await auditRows(api, { action: 'printer.updated', targetId: printer.id })
    assert.deepEqual(audit?.details, { fields: ['accessCode', 'host'] })
    assert.equal((await api.app.inject({ method: 'PATCH', url: `/printers/${printer.id}`, headers: admin.auth, payload: { host: '8.8.4.4' } })).statusCode, 400)
  })

  test('delete is 409 while printing, 204 otherwise (audited)', async () => {
    const admin = await api.staff('admin')
    const { printer } = (await register(admin.auth)).json()
    await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.printerStatus.update({ where: { printerId: printer.id }, data: { gcodeState: 'RUNNING', online: true } }))
    assert.equal((await api.app.inject({ method: 'DELETE', url: `/printers/${printer.id}`, headers: admin.auth })).statusCode, 409)
    await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.printerStatus.update({ where: { printerId: printer.id }, data: { gcodeState: 'FINISH' } }))
    assert.equal((await api.app.inject({ method: 'DELETE', url: `/printers/${printer.id}`, headers: admin.auth })).statusCode, 204)
    assert.equal((await auditRows(api, { action: 'printer.deleted', targetId: printer.id })).length, 1)
  })

  test('commands are queued for the worker (202) and audited as printer.controlled', async () => {
    const admin = await api.staff('admin')
    const operator = await api.staff('operator')
    const { printer } = (await register(admin.auth)).json()
    const res = await api.app.inject({ method: 'POST', url: `/printers/${printer.id}/commands`, headers: operator.auth, payload: { command: 'pause' } })
    assert.equal(res.statusCode, 202, res.body)
    const jobs = await api.app.queues.raw.prints.getJobs(['waiting'])
    const job = jobs.find((j) => j.name === 'printer.command' && j.data.printerId === printer.id)
    assert.equal(job?.data.command, 'pause')
    const [audit] = await auditRows(api, { action: 'printer.controlled', targetId: printer.id })
    assert.deepEqual(audit?.details, { command: 'pause' })
    assert.equal(audit?.actorId, operator.id)
    const bad = await api.app.inject({ method: 'POST', url: `/printers/${printer.id}/commands`, headers: operator.auth, payload: { command: 'gcode_line', param: 'M112' } })
    assert.equal(bad.statusCode, 400)
  })

  test('a command reaches the queue only after its audit row has committed', async () => {
    const admin = await api.staff('admin')
    const { printer } = (await register(admin.auth)).json()
    const prints = api.app.queues.raw.prints
    const add = prints.add.bind(prints)
    let auditVisibleAtEnqueue: number | undefined
    // Another connection looks for the audit row at the moment the job is added: only a
    // committed row is visible to it.
    prints.add = (async (...args: Parameters<typeof add>) => {
      auditVisibleAtEnqueue = (await auditRows(api, { action: 'printer.controlled', targetId: printer.id })).length
      return add(...args)
    }) as typeof prints.add
    try {
      const res = await api.app.inject({ method: 'POST', url: `/printers/${printer.id}/commands`, headers: admin.auth, payload: { command: 'light_on' } })
      assert.equal(res.statusCode, 202, res.body)
    } finally {
      prints.add = add
    }
    assert.equal(auditVisibleAtEnqueue, 1)
  })

  test('a command that cannot be queued is 503, and the audit trail says it was not sent', async () => {
    const admin = await api.staff('admin')
    const { printer } = (await register(admin.auth)).json()
    const prints = api.app.queues.raw.prints
    const add = prints.add.bind(prints)
    prints.add = (async () => {
      throw new Error('Connection is closed.')
    }) as typeof prints.add
    try {
      const res = await api.app.inject({ method: 'POST', url: `/printers/${printer.id}/commands`, headers: admin.auth, payload: { command: 'pause' } })
      assert.equal(res.statusCode, 503, res.body)
    } finally {
      prints.add = add
    }
    const rows = await auditRows(api, { action: 'printer.controlled', targetId: printer.id })
    assert.deepEqual(rows.map((r) => r.details), [{ command: 'pause' }, { command: 'pause', queued: false }])
  })
})
