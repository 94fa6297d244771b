// The simulator behaves like the printers where PrintForge depends on it, seen through a plain
// MQTT client (not our own) so the tests also check the wire format.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import mqtt, { type MqttClient } from 'mqtt'
import { loadOrCreateTestCa } from '../src/certs.ts'
import { startPrinterFarm, type PrinterFarm } from '../src/farm.ts'
import { type VirtualPrinter } from '../src/printer.ts'

type Report = Record<string, Record<string, unknown>>

async function connect(t: { after: (fn: () => unknown) => void }, f: PrinterFarm, p: VirtualPrinter, password = p.accessCode) {
  const reports: Report[] = []
  const client: MqttClient = mqtt.connect({
    protocol: 'mqtts', host: p.host, port: p.mqttPort, protocolVersion: 4, username: 'bblp', password,
    ca: [f.caPem], servername: p.serial, reconnectPeriod: 0,
  })
  t.after(() => client.end(true))
  client.on('message', (_topic, payload) => reports.push(JSON.parse(payload.toString())))
  client.on('error', () => {})
  const request = (body: Report) => client.publishAsync(`device/${p.serial}/request`, JSON.stringify(body), { qos: 1 })
  return { client, reports, request }
}

/** The leaf a printer presents, read over a handshake that trusts `caPem`. */
function issued(p: VirtualPrinter, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: p.host, port: p.mqttPort, servername: p.serial, ca: [caPem] }, () => {
      resolve(socket.getPeerX509Certificate()!.toString())
      socket.destroy()
    })
    socket.once('error', reject)
  })
}

async function until<T>(fn: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    const v = fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() - start > timeoutMs) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('virtual printer', () => {
  test('certificates have CN = serial and chain to the farm CA; the CA persists across runs', async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pf-ca-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const ca = await loadOrCreateTestCa(dir)
    const again = await loadOrCreateTestCa(dir)
    assert.equal(again.certPem, ca.certPem)
    assert.equal(again.deviceCa?.certPem, ca.deviceCa?.certPem, 'the device CA persists too')
    assert.equal((await stat(path.join(dir, 'ca.key.pem'))).mode & 0o077, 0, 'CA key is private')
    assert.equal((await stat(path.join(dir, 'device-ca.key.pem'))).mode & 0o077, 0, 'device CA key is private')
    // ca.pem (PRINTER_EXTRA_CA in development) holds the root, then the device CA a P2S leaves out.
    assert.equal(await readFile(path.join(dir, 'ca.pem'), 'utf8'), ca.certPem + ca.deviceCa!.certPem)
    const f = await startPrinterFarm({ ca, printers: [{ model: 'X1C', serial: '00M09A000000001', accessCode: '11112222' }] })
    t.after(() => f.stop())
    const p = f.get('00M09A000000001')
    const { client } = await connect(t, f, p)
    await until(() => client.connected || undefined)
    const peer = (client.stream as TLSSocket).getPeerX509Certificate()!
    assert.equal(peer.subject, 'CN=00M09A000000001')
    assert.ok(peer.verify(new X509Certificate(f.caPem).publicKey))
  })

  test('device-CA models: an X2D sends its device CA after its leaf, a P2S only its leaf', async (t) => {
    const f = await startPrinterFarm({ printers: [{ model: 'X2D' }, { model: 'P2S' }] })
    t.after(() => f.stop())
    const root = new X509Certificate(f.caPem).toString()
    // Trusting the root alone: only a printer that sends its device CA can be verified.
    const handshake = (p: VirtualPrinter) => new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: p.host, port: p.mqttPort, servername: p.serial, ca: [root] })
      socket.once('secureConnect', () => { resolve('verified'); socket.destroy() })
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    })
    assert.equal(await handshake(f.printers[0]!), 'verified')
    assert.equal(await handshake(f.printers[1]!), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    const leaf = new X509Certificate(await issued(f.printers[1]!, f.caPem))
    assert.match(leaf.issuer, /Device CA/)
  })

  test('wrong access code gets CONNACK 5', async (t) => {
    const f = await startPrinterFarm({ printers: [{ model: 'P1S' }] })
    t.after(() => f.stop())
    const { client } = await connect(t, f, f.printers[0]!, 'wrong')
    const err = await new Promise<Error & { code?: number }>((resolve) => client.once('error', resolve))
    assert.equal(err.code, 5)
  })

  test('runs a job IDLE → PREPARE → RUNNING → FINISH, with deltas (P1S) and refuses a second job', async (t) => {
    const f = await startPrinterFarm({ printers: [{ model: 'P1S' }], speed: 40, reportIntervalMs: 100 })
    t.after(() => f.stop())
    const p = f.printers[0]!
    await p.putFile('cube.gcode.3mf', Buffer.alloc(10))
    const { client, reports, request } = await connect(t, f, p)
    await until(() => client.connected || undefined)
    await client.subscribeAsync(`device/${p.serial}/report`)
    await request({ pushing: { sequence_id: '1', command: 'pushall' } })
    await until(() => reports.find((r) => r.print?.msg === 0))
    await request({ print: { sequence_id: '2', command: 'project_file', param: 'Metadata/plate_1.gcode', url: 'file:///sdcard/cube.gcode.3mf', task_id: '42', subtask_name: 'cube' } })
    const ack = await until(() => reports.find((r) => r.print?.command === 'project_file'))
    assert.equal(ack.print!.result, 'success')
    assert.equal(ack.print!.sequence_id, '2')
    await request({ print: { sequence_id: '3', command: 'project_file', param: 'Metadata/plate_1.gcode', url: 'file:///sdcard/cube.gcode.3mf', task_id: '43' } })
    const busy = await until(() => reports.find((r) => r.print?.sequence_id === '3'))
    assert.equal(busy.print!.err_code, 0x05004004)
    await until(() => reports.find((r) => r.print?.gcode_state === 'FINISH'), 20_000)
    const states = reports.map((r) => r.print?.gcode_state).filter(Boolean)
    assert.deepEqual([...new Set(states)], ['IDLE', 'PREPARE', 'RUNNING', 'FINISH'])
    const deltas = reports.filter((r) => r.print?.msg === 1)
    assert.ok(deltas.length > 3 && deltas.every((r) => !('wifi_signal' in r.print!)), 'deltas carry only changes')
  })

  test('P1S drops a client that subscribes to the request topic; X1C does not', async (t) => {
    const f = await startPrinterFarm({ printers: [{ model: 'P1S' }, { model: 'X1C' }] })
    t.after(() => f.stop())
    const [p1, x1] = f.printers as [VirtualPrinter, VirtualPrinter]
    const a = await connect(t, f, p1)
    const b = await connect(t, f, x1)
    await until(() => (a.client.connected && b.client.connected) || undefined)
    const closed = new Promise<void>((r) => a.client.once('close', () => r()))
    a.client.subscribe(`device/${p1.serial}/request`)
    b.client.subscribe(`device/${x1.serial}/request`)
    await closed
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(b.client.connected, true)
  })

  test('faults from the control topic: Developer Mode off refuses control but not lights', async (t) => {
    const f = await startPrinterFarm({ printers: [{ model: 'A1' }] })
    t.after(() => f.stop())
    const p = f.printers[0]!
    const { client, reports, request } = await connect(t, f, p)
    await until(() => client.connected || undefined)
    await client.subscribeAsync(`device/${p.serial}/report`)
    await client.publishAsync(`sim/${p.serial}/control`, JSON.stringify({ fault: 'devmode-off' }), { qos: 1 })
    await until(() => p.developerMode === false || undefined)
    await request({ print: { sequence_id: '7', command: 'pause', param: '' } })
    await request({ system: { sequence_id: '8', command: 'ledctrl', led_node: 'chamber_light', led_mode: 'off', led_on_time: 500, led_off_time: 500, loop_times: 1, interval_time: 1000 } })
    const refused = await until(() => reports.find((r) => r.print?.sequence_id === '7'))
    assert.equal(refused.print!.err_code, 84033543)
    assert.equal(refused.print!.reason, 'mqtt message verify failed')
    const led = await until(() => reports.find((r) => r.system?.sequence_id === '8'))
    assert.equal(led.system!.result, 'success')
  })

  test('refusing new connections resets them at TCP level; a stall silences reports', async (t) => {
    const f = await startPrinterFarm({ printers: [{ model: 'X1C' }], reportIntervalMs: 100 })
    t.after(() => f.stop())
    const p = f.printers[0]!
    const { client, reports } = await connect(t, f, p)
    await until(() => client.connected || undefined)
    await client.subscribeAsync(`device/${p.serial}/report`)
    await until(() => reports.length > 2 || undefined)
    p.stall(false)
    await new Promise((r) => setTimeout(r, 300))
    const n = reports.length
    await new Promise((r) => setTimeout(r, 500))
    assert.equal(reports.length, n)
    p.setRefuseConnections(true)
    const second = await connect(t, f, p)
    await new Promise<void>((r) => second.client.once('close', () => r()))
    assert.equal(p.connections, 1)
  })

  test('at most maxClients MQTT sessions at once (default 1): one more is refused with CONNACK 3 and counted', async (t) => {
    const f = await startPrinterFarm({ printers: [{ model: 'P1S' }, { model: 'X1C', maxClients: 2 }] })
    t.after(() => f.stop())
    const [p1, x1] = f.printers as [VirtualPrinter, VirtualPrinter]
    const first = await connect(t, f, p1)
    await until(() => first.client.connected || undefined)
    const second = await connect(t, f, p1)
    const err = await new Promise<Error & { code?: number }>((resolve) => second.client.once('error', resolve))
    assert.equal(err.code, 3, 'server unavailable')
    assert.equal(first.client.connected, true, 'the session already open is left alone')
    assert.deepEqual(p1.clientStats, { maxClients: 1, maxConcurrentClients: 1, extraClients: 1 })
    // A client that left frees its place.
    first.client.end(true)
    await until(() => p1.connectedClients === 0 || undefined)
    const third = await connect(t, f, p1)
    await until(() => third.client.connected || undefined)
    assert.equal(p1.clientStats.extraClients, 1)
    // The cap is per printer and configurable: two are fine where two are allowed.
    const a = await connect(t, f, x1)
    const b = await connect(t, f, x1)
    await until(() => (a.client.connected && b.client.connected) || undefined)
    assert.deepEqual(x1.clientStats, { maxClients: 2, maxConcurrentClients: 2, extraClients: 0 })
  })

  test('a frozen printer acknowledges nothing and reports nothing; with dropAfterMs it then drops the link and recovers', async (t) => {
    const f = await startPrinterFarm({ printers: [{ model: 'X1C' }], speed: 40, reportIntervalMs: 100 })
    t.after(() => f.stop())
    const p = f.printers[0]!
    await p.putFile('cube.gcode.3mf', Buffer.alloc(10))
    const { client, reports, request } = await connect(t, f, p)
    await until(() => client.connected || undefined)
    await client.subscribeAsync(`device/${p.serial}/report`)
    await until(() => reports.length > 1 || undefined)
    p.freeze({ dropAfterMs: 1_500 })
    const n = reports.length
    let acked = false
    const closed = new Promise<void>((r) => client.once('close', () => r()))
    // The firmware still takes the print command (deliver), but its PUBACK never comes.
    request({ print: { sequence_id: '5', command: 'project_file', param: 'Metadata/plate_1.gcode', url: 'ftp:///cube.gcode.3mf', task_id: '77', subtask_name: 'cube' } })
      .then(() => (acked = true), () => {})
    await until(() => p.commands('print', 'project_file').length === 1 || undefined)
    await new Promise((r) => setTimeout(r, 800))
    assert.equal(acked, false, 'no PUBACK while frozen')
    assert.ok(reports.length <= n + 1, 'no reports while frozen')
    await closed
    assert.equal(acked, false)
    assert.equal(p.job.job?.taskId, '77', 'the printer started the job nobody heard about')
    // Recovered: a new session is acknowledged and sees the task.
    const again = await connect(t, f, p)
    await until(() => again.client.connected || undefined)
    await again.client.subscribeAsync(`device/${p.serial}/report`)
    await again.request({ pushing: { sequence_id: '1', command: 'pushall' } })
    await until(() => again.reports.find((r) => r.print?.task_id === '77'))
  })

  test('frozen without delivery: requests are held until the thaw, then reach the printer once', async (t) => {
    const f = await startPrinterFarm({ printers: [{ model: 'A1' }] })
    t.after(() => f.stop())
    const p = f.printers[0]!
    const { client, request } = await connect(t, f, p)
    await until(() => client.connected || undefined)
    p.freeze({ deliver: false })
    const acked = request({ system: { sequence_id: '9', command: 'ledctrl', led_node: 'chamber_light', led_mode: 'off', led_on_time: 500, led_off_time: 500, loop_times: 1, interval_time: 1000 } })
    await new Promise((r) => setTimeout(r, 500))
    assert.equal(p.commands('system', 'ledctrl').length, 0)
    p.thaw()
    await acked
    assert.equal(p.commands('system', 'ledctrl').length, 1)
  })
})
