// Upload over implicit FTPS (docs/bambu-protocol.md §4): same TLS verification as MQTT, delete-then-STOR
// (vsFTPd refuses overwrites), wait for 226, verify with SIZE, accept the benign 426 some models send
// after a complete transfer, and a deadline sized to the file.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Client, FTPError } from 'basic-ftp'
import { normalizeRemotePath } from './commands.js'
import { BambuUploadError } from './errors.js'
import { silentLogger, type BambuLogger } from './logger.js'
import { MODEL_PROTOCOL, type BambuModel } from './models.js'
import { isTrustError, printerTlsOptions } from './tls.js'

export interface UploadOptions {
  host: string
  /** Default 990. */
  port?: number
  serial: string
  /** Picks the model's FTPS TLS cap (MODEL_PROTOCOL, §4.3). */
  model: BambuModel
  /** LAN access code (the FTP password). Never logged. */
  accessCode: string
  extraCaPems?: string[]
  /** Local file to send. */
  localPath: string
  /** Destination relative to the storage root, e.g. `printforge/job-42.gcode.3mf`. */
  remotePath: string
  logger?: BambuLogger
  /** The slowest throughput still considered healthy; sizes the deadline. Default 25 KB/s (bambuddy). */
  minBytesPerSecond?: number
  /** Deadline floor for small files. Default 60 s. */
  minTimeoutMs?: number
  /** Socket inactivity timeout. Default 30 s. */
  idleTimeoutMs?: number
}

export interface UploadResult {
  remotePath: string
  bytes: number
  /** True when the server answered 426 but SIZE proved the file complete. */
  tolerated426: boolean
}

/** Deadline for a whole upload: the file at `minBytesPerSecond`, never below `minTimeoutMs`. */
export function uploadDeadlineMs(bytes: number, minBytesPerSecond = 25_000, minTimeoutMs = 60_000): number {
  return Math.max(minTimeoutMs, Math.ceil((bytes / minBytesPerSecond) * 1000))
}

export async function uploadFile(o: UploadOptions): Promise<UploadResult> {
  const remotePath = normalizeRemotePath(o.remotePath)
  const bytes = (await stat(o.localPath)).size
  const log = o.logger ?? silentLogger
  const deadlineMs = uploadDeadlineMs(bytes, o.minBytesPerSecond, o.minTimeoutMs)
  const client = new Client(o.idleTimeoutMs ?? 30_000)
  let timedOut = false
  const deadline = setTimeout(() => {
    timedOut = true
    client.close()
  }, deadlineMs)
  try {
    return await transfer(client, o, remotePath, bytes, log)
  } catch (err) {
    if (timedOut) throw new BambuUploadError('TIMEOUT', `upload of ${bytes} bytes exceeded ${deadlineMs} ms`)
    throw toUploadError(err)
  } finally {
    clearTimeout(deadline)
    client.close()
  }
}

async function transfer(client: Client, o: UploadOptions, remotePath: string, bytes: number, log: BambuLogger): Promise<UploadResult> {
  await client.access({
    host: o.host,
    port: o.port ?? 990,
    user: 'bblp',
    password: o.accessCode,
    secure: 'implicit',
    // The data channel reuses these options and basic-ftp resumes the control session on it (§4.3, §4.4).
    secureOptions: printerTlsOptions(o.serial, o.extraCaPems, MODEL_PROTOCOL[o.model].ftpsMaxTls),
  })
  const slash = remotePath.lastIndexOf('/')
  if (slash > 0) {
    await client.ensureDir(remotePath.slice(0, slash))
    await client.cd('/')
  }
  // Printers answer 553 when STOR would overwrite; a missing file (550) is fine here.
  await client.remove(remotePath, true)
  let tolerated426 = false
  try {
    // Resolves only after the server's 226 following the data transfer.
    await client.uploadFrom(createReadStream(o.localPath), remotePath)
  } catch (err) {
    if (!(err instanceof FTPError && err.code === 426)) throw err
    tolerated426 = true // accepted below only if SIZE proves the file complete
  }
  const remoteSize = await client.size(remotePath)
  if (remoteSize !== bytes) {
    throw new BambuUploadError('SIZE_MISMATCH', `printer holds ${remoteSize} of ${bytes} bytes${tolerated426 ? ' after 426' : ''}`)
  }
  log.info({ serial: o.serial, remotePath, bytes, tolerated426 }, 'upload verified')
  return { remotePath, bytes, tolerated426 }
}

function toUploadError(err: unknown): BambuUploadError {
  if (err instanceof BambuUploadError) return err
  if (isTrustError(err)) return new BambuUploadError('UNTRUSTED', 'printer certificate verification failed')
  if (err instanceof FTPError) {
    if (err.code === 530) return new BambuUploadError('AUTH_FAILED', 'access code refused', 530)
    return new BambuUploadError('FTP_ERROR', `FTP ${err.code}: ${err.message.slice(0, 200)}`, err.code)
  }
  return new BambuUploadError('FTP_ERROR', err instanceof Error ? err.message.slice(0, 200) : 'upload failed')
}
