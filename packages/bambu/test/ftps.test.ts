// FTPS uploads to the virtual printer's storage: verified TLS, delete-then-STOR, SIZE check,
// benign 426, deadlines sized to the file.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type PrinterFarm, type VirtualPrinter } from '@printforge/printer-sim'
import { uploadDeadlineMs, uploadFile, type UploadOptions } from '../src/ftps.ts'
import { farm } from './helpers.ts'

async function localFile(t: { after: (fn: () => Promise<void>) => void }, bytes: number): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pf-upload-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'job.gcode.3mf')
  await writeFile(file, randomBytes(bytes))
  return file
}

const opts = (f: PrinterFarm, p: VirtualPrinter, localPath: string, extra: Partial<UploadOptions> = {}): UploadOptions => ({
  host: p.host, port: p.ftpsPort, serial: p.serial, model: p.model, accessCode: p.accessCode, extraCaPems: [f.caPem], localPath, remotePath: 'printforge/job.gcode.3mf', ...extra,
})

describe('FTPS upload', () => {
  test('uploads over implicit TLS and verifies the size; a second upload replaces the file', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    const first = await localFile(t, 300_000)
    const r = await uploadFile(opts(f, p, first))
    assert.deepEqual(r, { remotePath: 'printforge/job.gcode.3mf', bytes: 300_000, tolerated426: false })
    assert.equal(await p.fileSize('printforge/job.gcode.3mf'), 300_000)
    // The storage refuses overwrites (553), so this only works because the client deletes first.
    const second = await localFile(t, 1234)
    await uploadFile(opts(f, p, second))
    assert.equal(await p.fileSize('printforge/job.gcode.3mf'), 1234)
  })

  test('a 426 after a complete transfer is tolerated because SIZE matches', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    p.setFtpsReply426(true)
    const r = await uploadFile(opts(f, p, await localFile(t, 50_000)))
    assert.equal(r.tolerated426, true)
  })

  test('slow FTPS: the deadline is sized to the file and a transfer slower than the floor fails', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    p.setFtpsSpeed(100_000)
    const file = await localFile(t, 200_000)
    // ~2 s at 100 KB/s: fine with a 50 KB/s floor (4 s deadline)...
    await uploadFile(opts(f, p, file, { minBytesPerSecond: 50_000, minTimeoutMs: 0 }))
    // ...but not with a 1 MB/s floor (0.2 s deadline).
    await assert.rejects(uploadFile(opts(f, p, file, { minBytesPerSecond: 1_000_000, minTimeoutMs: 0 })), { code: 'TIMEOUT' })
    assert.equal(uploadDeadlineMs(100 * 2 ** 20), 4_194_304) // 100 MiB at 25 KB/s
    assert.equal(uploadDeadlineMs(10), 60_000)
  })

  test('refuses a printer with an untrusted certificate or a wrong CN, and reports a wrong access code', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }, { model: 'A1' }] })
    const [a, b] = f.printers as [VirtualPrinter, VirtualPrinter]
    const file = await localFile(t, 1000)
    await a.changeCertificate()
    await assert.rejects(uploadFile(opts(f, a, file)), { code: 'UNTRUSTED' })
    await b.useWrongCommonName()
    await assert.rejects(uploadFile(opts(f, b, file)), { code: 'UNTRUSTED' })
    b.restoreCertificate()
    await assert.rejects(uploadFile(opts(f, b, file, { accessCode: '00000000' })), { code: 'AUTH_FAILED' })
    assert.equal(await a.fileSize('printforge/job.gcode.3mf'), null)
  })
})
