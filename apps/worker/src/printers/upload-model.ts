// Moves a validated model from object storage to a printer: download to a private temp file
// (FTPS needs a known length), check it is byte-for-byte what the API validated, upload over
// implicit FTPS (uploadFile verifies the size the printer holds), remove the temp file.
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { uploadFile } from '@printforge/bambu'
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { clientModel, printerWithSecret } from '@printforge/domain'
import type { Logger } from '@printforge/logger'
import type { PrinterKeyring } from '@printforge/printer-keys'
import { digestTap, type ObjectStore } from '@printforge/storage'
import type { FtpsMetrics } from '../metrics/ftps.js'
import type { PrinterInfo } from './manager.js'

export interface UploadDeps {
  db: Db
  store: ObjectStore
  keyring: PrinterKeyring
  extraCaPems: string[]
  log: Logger
  /** printforge_ftps_upload_*, when measured. */
  ftps?: FtpsMetrics
}

export interface ModelFile {
  id: string
  fileKey: string
  fileBytes: bigint
  fileSha256: string
}

/** The stored model is not what the API validated: retrying cannot help. */
export class ModelIntegrityError extends Error {}

/** Where a job's model lands on the printer's storage: built from our id only. */
export const remotePathFor = (jobId: string) => `printforge/${jobId}.gcode.3mf`

export async function uploadModel(deps: UploadDeps, job: ModelFile, printer: PrinterInfo, signal: AbortSignal): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pf-model-'))
  const localPath = path.join(dir, 'model.gcode.3mf')
  try {
    const digest = digestTap()
    await pipeline(await deps.store.getStream(job.fileKey), digest.stream, createWriteStream(localPath, { mode: 0o600 }), { signal })
    const { bytes, sha256 } = digest.result()
    if (BigInt(bytes) !== job.fileBytes || sha256 !== job.fileSha256) {
      throw new ModelIntegrityError(`stored model differs from the validated one (${bytes} bytes, sha256 ${sha256.slice(0, 12)}…)`)
    }
    const remotePath = remotePathFor(job.id)
    // Decrypted here, used for this one connection, never stored or logged.
    const accessCode = await readAccessCode(deps, printer.id)
    const upload = () => uploadFile({
      host: printer.host,
      port: printer.ftpsPort,
      serial: printer.serial,
      model: clientModel(printer.model),
      accessCode,
      extraCaPems: deps.extraCaPems,
      localPath,
      remotePath,
      logger: deps.log.child({ printerId: printer.id, manufacturingJobId: job.id }),
    })
    await (deps.ftps ? deps.ftps.track(upload) : upload())
    return remotePath
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function readAccessCode(deps: UploadDeps, printerId: string): Promise<string> {
  return (await withTx(deps.db, SYSTEM_CONTEXT, (tx) => printerWithSecret(tx, deps.keyring, printerId))).accessCode
}
