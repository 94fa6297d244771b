// One printer's storage over implicit FTPS (ftp-srv), with the vsFTPd quirks the client has to
// handle (docs/bambu-protocol.md §4.3): no overwrite in place, a benign 426 after a complete upload,
// and slow transfers.
import { createWriteStream, existsSync, type WriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { type Server as TlsServer } from 'node:tls'
import { Writable } from 'node:stream'
import { FileSystem, FtpSrv, type FtpConnection } from 'ftp-srv'
import { type KeyPairPem } from './certs.js'
import { refuseTls13 } from './tls13-refusal.js'

export interface FtpsEndpointOptions {
  /** Where to listen (default 127.0.0.1, a random port) and the address passive mode announces. */
  listen?: { host: string; port: number; advertise: string }
  accessCode: string
  cert: KeyPairPem
  /** Passive data ports for this printer (ftp-srv probes them in order). */
  pasvMin: number
  pasvMax: number
  /** Close connections whose ClientHello offers TLS 1.3 (P2S/X2D/H2C, §4.3). */
  refuseTls13?: boolean
}

export interface FtpsFaults {
  /** Upload throughput cap in bytes/s; null = unthrottled. */
  bytesPerSecond: number | null
  /** Answer 426 instead of 226 after a complete upload (X1C/X1E/P2S quirk). */
  reply426: boolean
}

export interface FtpsEndpoint {
  port: number
  /** Directory that backs the printer's storage root. */
  root: string
  faults: FtpsFaults
  /** Size of a stored file, or null when it does not exist. `name` is relative to the storage root. */
  fileSize: (name: string) => Promise<number | null>
  /** Places a file on storage directly, as if uploaded. */
  putFile: (name: string, data: Buffer) => Promise<void>
  useCertificate: (cert: KeyPairPem) => void
  close: () => Promise<void>
}

const quiet = { child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} }

/** Writes to disk at most `rate()` bytes per second, so "slow FTPS" is observable by the client. */
class ThrottledFile extends Writable {
  constructor(private readonly file: WriteStream, private readonly rate: () => number | null) {
    super()
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const bps = this.rate()
    if (!bps) return void this.file.write(chunk, done)
    setTimeout(() => this.file.write(chunk, done), (chunk.length / bps) * 1000)
  }
  override _final(done: (err?: Error | null) => void): void {
    this.file.end()
    this.file.once('close', () => done())
    this.file.once('error', done)
  }
}

export async function startFtpsEndpoint(opts: FtpsEndpointOptions): Promise<FtpsEndpoint> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'printforge-sim-ftps-'))
  const faults: FtpsFaults = { bytesPerSecond: null, reply426: false }

  class PrinterStorage extends FileSystem {
    override write(fileName: string) {
      const { fsPath, clientPath } = (this as unknown as PrivateFs)._resolvePath(fileName)
      // vsFTPd on the printers refuses to overwrite in place (553); clients must DELE first.
      if (existsSync(fsPath)) throw new Error('Could not create file (553).')
      return { stream: new ThrottledFile(createWriteStream(fsPath), () => faults.bytesPerSecond), clientPath }
    }
  }

  const tlsOptions = (cert: KeyPairPem) => ({ key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.2' as const, maxVersion: 'TLSv1.2' as const })
  // ftp-srv installs SIGINT/SIGTERM/SIGQUIT handlers that exit the process; a farm of hundreds would
  // also overflow the listener limit. The owner of the process decides about signals, not a library.
  const before = new Map((['SIGINT', 'SIGTERM', 'SIGQUIT'] as const).map((s) => [s, new Set(process.listeners(s))]))
  const server = new FtpSrv({
    url: `ftps://${opts.listen?.host ?? '127.0.0.1'}:${opts.listen?.port ?? 0}`,
    tls: tlsOptions(opts.cert),
    pasv_url: opts.listen?.advertise ?? '127.0.0.1',
    pasv_min: opts.pasvMin,
    pasv_max: opts.pasvMax,
    anonymous: false,
    greeting: ['(vsFTPd 3.0.3)'],
    log: quiet as never,
  })
  for (const [signal, known] of before) {
    for (const listener of process.listeners(signal)) if (!known.has(listener)) process.removeListener(signal, listener)
  }

  server.on('login', ({ connection, username, password }, resolve, reject) => {
    if (username !== 'bblp' || password !== opts.accessCode) return reject(new Error('Login incorrect.'))
    interceptCompletion(connection, faults)
    resolve({ fs: new PrinterStorage(connection, { root, cwd: '/' }) })
  })
  await server.listen()
  const tlsServer = (server as unknown as { server: TlsServer }).server
  if (opts.refuseTls13) refuseTls13(tlsServer)

  return {
    port: (tlsServer.address() as AddressInfo).port,
    root,
    faults,
    async fileSize(name) {
      const file = path.join(root, path.normalize(`/${name}`))
      try {
        return (await stat(file)).size
      } catch {
        return null
      }
    },
    async putFile(name, data) {
      const file = path.join(root, path.normalize(`/${name}`))
      await mkdir(path.dirname(file), { recursive: true })
      await writeFile(file, data)
    },
    useCertificate(cert) {
      // The data channel reads server.options.tls per connection; the control listener needs a new context.
      ;(server as unknown as { options: { tls: object } }).options.tls = tlsOptions(cert)
      tlsServer.setSecureContext(tlsOptions(cert))
    },
    async close() {
      await server.close()
      await rm(root, { recursive: true, force: true })
    },
  }
}

interface PrivateFs {
  _resolvePath(p: string): { fsPath: string; clientPath: string }
}

/** Swaps the 226 after STOR for a 426 while the fault is on; the file itself is already complete. */
function interceptCompletion(connection: FtpConnection, faults: FtpsFaults): void {
  const conn = connection as unknown as { reply: (options: unknown, ...letters: unknown[]) => Promise<unknown> }
  const reply = conn.reply.bind(conn)
  conn.reply = (options, ...letters) => {
    if (options === 226 && faults.reply426) return reply(426, 'Failure reading network stream.')
    return reply(options, ...letters)
  }
}
