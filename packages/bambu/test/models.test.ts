// Every model end to end against its virtual printer: verified MQTT-TLS, FTPS upload under the
// model's TLS cap, project_file with the model's URL form, a finished print. Then the two newest
// wire quirks on their own: P2S/X2D/H2C refuse TLS 1.3 on FTPS, and a printer that leaves its
// device CA out of the handshake still verifies, while a look-alike chain does not
// (docs/bambu-protocol.md §1.2, §2.4, §4.3).
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, X509Certificate } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { PRINTER_MODELS, type PrinterFarm, type VirtualPrinter } from '@printforge/printer-sim'
import { uploadFile } from '../src/ftps.ts'
import { MODEL_PROTOCOL } from '../src/models.ts'
import { farm, session, waitForState, waitUntil } from './helpers.ts'

async function localFile(t: { after: (fn: () => Promise<void>) => void }, bytes: number): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pf-models-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'job.gcode.3mf')
  await writeFile(file, randomBytes(bytes))
  return file
}

const upload = (f: PrinterFarm, p: VirtualPrinter, localPath: string, extraCaPems = [f.caPem]) =>
  uploadFile({ host: p.host, port: p.ftpsPort, serial: p.serial, model: p.model, accessCode: p.accessCode, extraCaPems, localPath, remotePath: `printforge/${p.model}.gcode.3mf` })

/** The farm's root alone, without the device CA that follows it in `caPem`. */
const rootOnly = (f: PrinterFarm) => new X509Certificate(f.caPem).toString()

/** Opens a raw TLS connection to FTPS offering up to `maxVersion`; resolves with the protocol or the failure. */
function handshake(f: PrinterFarm, p: VirtualPrinter, maxVersion: tls.SecureVersion): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: p.host, port: p.ftpsPort, servername: p.serial, ca: [f.caPem], minVersion: 'TLSv1.2', maxVersion, checkServerIdentity: () => undefined })
    socket.once('secureConnect', () => {
      socket.once('data', () => {
        resolve(socket.getProtocol() ?? 'none')
        socket.destroy()
      })
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`))
    socket.once('close', () => resolve('closed'))
  })
}

describe('models', () => {
  test('every model: verified MQTT-TLS, FTPS upload, project_file with its URL form, a finished print', async (t) => {
    const f = await farm(t, { printers: PRINTER_MODELS.map((model) => ({ model })), speed: 60, reportIntervalMs: 200 })
    const file = await localFile(t, 20_000)
    await Promise.all(f.printers.map(async (p) => {
      const s = session(t, f, p)
      await waitUntil(() => s.status.gcodeState === 'IDLE', 20_000, `${p.model} idle`)
      const r = await upload(f, p, file)
      assert.equal(r.bytes, 20_000, p.model)
      const job = await s.startProjectFile({ remotePath: r.remotePath, subtaskName: p.model })
      const expected = MODEL_PROTOCOL[p.model].printUrl === 'sdcard' ? `file:///sdcard/${r.remotePath}` : `ftp:///${r.remotePath}`
      assert.equal(job.url, expected, p.model)
      assert.equal(p.commands('print', 'project_file')[0]?.message?.print?.url, expected)
      await s.waitForStatus((x) => x.gcodeState === 'FINISH', 30_000)
      assert.ok(s.status.nozzles.length >= 1, `${p.model} reports a nozzle temperature`)
    }))
    for (const model of ['H2S', 'H2C', 'P2S', 'X2D', 'A2L'] as const) assert.equal(MODEL_PROTOCOL[model].printUrl, 'ftp', `${model} prints from ftp:/// (pybambu)`)
  })

  test('P2S, X2D and H2C refuse a TLS 1.3 ClientHello on FTPS; the client offers 1.2 and uploads', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P2S' }, { model: 'X2D' }, { model: 'H2C' }, { model: 'X1C' }] })
    const file = await localFile(t, 50_000)
    for (const p of f.printers) {
      const refuses = p.model !== 'X1C'
      assert.equal(await handshake(f, p, 'TLSv1.2'), 'TLSv1.2', p.model)
      const offered13 = await handshake(f, p, 'TLSv1.3')
      if (refuses) assert.match(offered13, /^(closed|error )/, `${p.model} refuses a 1.3 ClientHello`)
      else assert.equal(offered13, 'TLSv1.2', 'an X1C just negotiates 1.2')
      assert.equal(MODEL_PROTOCOL[p.model].ftpsMaxTls, 'TLSv1.2')
      assert.equal((await upload(f, p, file)).bytes, 50_000, p.model)
      assert.equal(await p.fileSize(`printforge/${p.model}.gcode.3mf`), 50_000)
    }
  })

  test('a P2S that omits its device CA verifies through the device CA in the store, not without it', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P2S' }, { model: 'X2D' }] })
    const [p2s, x2d] = f.printers as [VirtualPrinter, VirtualPrinter]
    const file = await localFile(t, 1000)
    await waitForState(session(t, f, p2s), 'online')
    assert.equal((await upload(f, p2s, file)).bytes, 1000)
    // Without the device CA the leaf has no issuer to chain through: refused on both transports.
    await waitForState(session(t, f, p2s, { extraCaPems: [rootOnly(f)] }), 'untrusted')
    await assert.rejects(upload(f, p2s, file, [rootOnly(f)]), { code: 'UNTRUSTED' })
    // An X2D sends its device CA, so the root alone is enough.
    await waitForState(session(t, f, x2d, { extraCaPems: [rootOnly(f)] }), 'online')
  })

  test('a device CA is no trust anchor, and a chain that only looks like the farm CA is refused', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P2S' }, { model: 'H2C' }] })
    const [p2s, h2c] = f.printers as [VirtualPrinter, VirtualPrinter]
    const deviceCaOnly = f.caPem.slice(rootOnly(f).length)
    assert.match(deviceCaOnly, /BEGIN CERTIFICATE/)
    // The device CA alone (no root): the chain does not end at a trusted root.
    await waitForState(session(t, f, p2s, { extraCaPems: [deviceCaOnly] }), 'untrusted')
    // Same names, other keys, whole chain sent: refused on MQTT and FTPS, nothing uploaded.
    await h2c.useImpostorChain()
    const s = session(t, f, h2c)
    await waitForState(s, 'untrusted')
    assert.equal(h2c.connections, 0, 'no MQTT session, so the access code never left')
    await assert.rejects(upload(f, h2c, await localFile(t, 1000)), { code: 'UNTRUSTED' })
    assert.equal(await h2c.fileSize('printforge/H2C.gcode.3mf'), null)
  })
})
