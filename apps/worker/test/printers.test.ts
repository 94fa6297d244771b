import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { pino } from 'pino'
import { encryptAccessCode } from '@printforge/printer-keys'
import { registerPrinter, useFarm, useWorker, useWorkerEnv, waitFor } from './helper.ts'

const env = useWorkerEnv()
const printers = useFarm([{ model: 'X1C' }, { model: 'P1S' }, { model: 'A1M' }], 30)
/** Every log line of the worker, to prove access codes never reach them. */
const lines: string[] = []
const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) })
const running = useWorker(env, async () => ({ extraCaPems: [(await printers.ready).caPem], logger: pino({ level: 'debug' }, sink) }))

const statusOf = (printerId: string) => withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.printerStatus.findUnique({ where: { printerId } }))

test('a printer registered while the worker runs is followed: live status reaches printer_status', async () => {
  const x1c = printers.farm.printers[0]!
  const id = await registerPrinter(env, x1c, 'Farm X1C')
  const status = await waitFor('status online', async () => {
    const s = await statusOf(id)
    return s?.online && s.gcodeState === 'IDLE' ? s : null
  })
  assert.equal(status.connection, 'online')
  assert.equal(status.controlEnabled, true)
  assert.equal(typeof status.nozzleTemp, 'number')
  assert.equal(typeof status.bedTemp, 'number')
  assert.deepEqual(status.errors, [])
  assert.ok(status.lastSeenAt)
  assert.ok(x1c.connectedClients >= 1)
  assert.equal(running.worker.printers?.list().length, 1)
})

test('faults and Developer Mode reach the status row: decoded HMS errors, controlEnabled false', async () => {
  const x1c = printers.farm.printers[0]!
  const [{ id }] = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.printer.findMany({ where: { serial: x1c.serial }, select: { id: true } })) as [{ id: string }]
  x1c.failPrint('0300_0100_0001_0007')
  const failed = await waitFor('FAILED with HMS', async () => {
    const s = await statusOf(id)
    return s?.gcodeState === 'FAILED' ? s : null
  })
  assert.deepEqual(failed.errors, [{ code: '0300_0100_0001_0007', severity: 'fatal', text: 'The heatbed temperature is abnormal; the sensor may have an open circuit.' }])
  x1c.setDeveloperMode(false)
  await waitFor('control disabled', async () => (await statusOf(id))?.controlEnabled === false)
  x1c.setDeveloperMode(true)
  await waitFor('control enabled again', async () => (await statusOf(id))?.controlEnabled === true)
})

test('an edited printer reconnects with its new settings; a removed one is disconnected', async () => {
  const p1s = printers.farm.printers[1]!
  const id = await registerPrinter(env, p1s)
  await waitFor('P1S online', async () => (await statusOf(id))?.online)
  const connections = p1s.connections
  // The API rotates the access code to a wrong one: the worker must pick it up and fail auth.
  const wrong = encryptAccessCode(env.keyring, '00000000', p1s.serial)
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.printer.update({ where: { id }, data: { accessCodeCiphertext: new Uint8Array(wrong.ciphertext), accessCodeNonce: new Uint8Array(wrong.nonce), accessCodeKeyId: wrong.keyId } }))
  await waitFor('auth_failed', async () => (await statusOf(id))?.connection === 'auth_failed')
  assert.equal((await statusOf(id))?.online, false)
  const right = encryptAccessCode(env.keyring, p1s.accessCode, p1s.serial)
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.printer.update({ where: { id }, data: { accessCodeCiphertext: new Uint8Array(right.ciphertext), accessCodeNonce: new Uint8Array(right.nonce), accessCodeKeyId: right.keyId } }))
  await waitFor('online again', async () => (await statusOf(id))?.online)
  assert.ok(p1s.connections > connections, 'a new session was opened')

  await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.printer.delete({ where: { id } }))
  await waitFor('disconnected', () => p1s.connectedClients === 0)
  assert.equal(running.worker.printers?.get(id), undefined)
})

test('a code that cannot be decrypted is not used, and no access code ever reaches the logs', async () => {
  const a1m = printers.farm.printers[2]!
  const code = encryptAccessCode(env.keyring, a1m.accessCode, 'ANOTHER-SERIAL') // bound to another serial
  const row = await withTx(env.db, SYSTEM_CONTEXT, (tx) =>
    tx.printer.create({ data: { name: 'moved ciphertext', model: 'A1MINI', serial: a1m.serial, host: a1m.host, mqttPort: a1m.mqttPort, ftpsPort: a1m.ftpsPort, accessCodeCiphertext: new Uint8Array(code.ciphertext), accessCodeNonce: new Uint8Array(code.nonce), accessCodeKeyId: code.keyId }, select: { id: true } }),
  )
  await waitFor('decrypt error logged', () => lines.some((l) => l.includes('cannot decrypt the printer access code') && l.includes(row.id)))
  assert.equal(a1m.authAttempts, 0, 'never connected with a code it could not authenticate')
  assert.equal(running.worker.printers?.get(row.id), undefined)
  assert.ok(lines.length > 10)
  for (const p of printers.farm.printers) {
    assert.ok(!lines.some((l) => l.includes(p.accessCode)), `access code of ${p.serial} leaked into the log`)
  }
})
