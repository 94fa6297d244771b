// Backup files on a volume: written under a temporary name, fsynced, then renamed (and the folder
// fsynced), so a crash or a full disk never leaves a file that looks finished but is not. Mode
// 0600 from the first byte: a dump holds every row, encrypted printer codes included.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { access, open, readFile, rename, unlink } from 'node:fs/promises'
import path from 'node:path'
import { Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { AuditHead } from './owner-session.js'

export const MANIFEST_FORMAT = 'printforge-backup/1'

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT
  createdAt: string
  /** The dump's file name, next to this manifest. */
  file: string
  database: string
  serverVersion: string
  pgDump: string
  sha256: string
  bytes: number
  /** The batched verification run just before the dump (recorded in audit_verifications). */
  auditVerify: { ok: boolean; checked: number; firstBrokenId: string | null }
  /** The chain head in the dump's own snapshot: a restore must end at exactly this row and hash. */
  auditHead: AuditHead
  /** Rows per table in the dump's snapshot. */
  rowCounts: Record<string, number>
  /** RLS, grants, policies, triggers as the dump holds them (owner-session.ts securityFacts). */
  security: string[]
}

/** The manifest that goes with a dump: same name, `.json` instead of `.dump`. */
export const manifestPathFor = (dumpPath: string) => dumpPath.replace(/\.dump$/, '') + '.json'

async function syncFolder(dir: string) {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function refuseExisting(file: string) {
  const exists = await access(file).then(() => true, () => false)
  if (exists) throw new Error(`${file} already exists; refusing to overwrite it`)
}

/**
 * Fills `file` from `produce` (which writes into the stream it is given) under a temporary name,
 * hashing on the way; renames it into place only once complete and on disk.
 */
export async function writeStreamAtomically(
  file: string,
  produce: (sink: Writable) => Promise<void>,
): Promise<{ sha256: string; bytes: number }> {
  await refuseExisting(file)
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`)
  const handle = await open(temp, 'wx', 0o600)
  const hash = createHash('sha256')
  let bytes = 0
  try {
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        bytes += chunk.length
        done(null, chunk)
      },
    })
    // flush: fsync before the stream closes the handle, so the rename below publishes data on disk.
    const sink = handle.createWriteStream({ flush: true })
    await Promise.all([produce(tap), pipeline(tap, sink)])
    await rename(temp, file)
    await syncFolder(path.dirname(file))
  } catch (err) {
    await handle.close().catch(() => {})
    await unlink(temp).catch(() => {})
    throw err
  }
  return { sha256: hash.digest('hex'), bytes }
}

export async function writeFileAtomically(file: string, text: string): Promise<void> {
  await writeStreamAtomically(file, async (sink) => {
    sink.end(text)
  })
}

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    bytes += chunk.length
  }
  return { sha256: hash.digest('hex'), bytes }
}

export async function readManifest(file: string): Promise<BackupManifest> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the manifest ${file} (${err.code ?? err.message}); pass --manifest <file.json>`)
  })
  const manifest = JSON.parse(text) as BackupManifest
  if (manifest.format !== MANIFEST_FORMAT || !/^[0-9a-f]{64}$/.test(manifest.sha256 ?? '') || typeof manifest.rowCounts !== 'object') {
    throw new Error(`${file} is not a PrintForge backup manifest (${MANIFEST_FORMAT})`)
  }
  return manifest
}
