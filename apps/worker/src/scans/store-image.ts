// One quarantined upload → a stored, metadata-free scan (docs/product.md §6). The sanitizer
// (SCAN_SANITIZE: lossless or reencode) runs without locks; the write holds the two row locks of lockImageForStore
// (packages/domain/src/scans/images.ts), so a customer's delete or cancel never leaves an object behind.
import type { Readable } from 'node:stream'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { failImage as failImageRow, lockImageForStore, markImageStored } from '@printforge/domain'
import { scanKey } from '@printforge/storage'
import { ImageRejected } from './image.js'
import { sanitizeImage } from './sanitize/index.js'
import type { ScanDeps } from './job-state.js'

/** Far above the API's 10 MiB per file: only a tampered quarantine object gets here. */
const MAX_QUARANTINE_BYTES = 32 * 1024 * 1024
/** The S3 write happens inside the transaction; give it time beyond the default 5 s. */
const STORE_TX_MS = 60_000

export interface JobRef {
  id: string
  customerId: string
}
export interface ImageRef {
  id: string
  quarantineKey: string
}

/**
 * 'gone' when the job left `processing` (cancelled, deleted) before this image could be stored;
 * 'done' when another attempt on the same job (a re-enqueued one) stored or failed it first.
 */
export async function ingestImage(deps: ScanDeps, job: JobRef, image: ImageRef): Promise<'stored' | 'failed' | 'gone' | 'done'> {
  let input: Buffer
  try {
    input = await readAll(await deps.store.getStream(image.quarantineKey))
  } catch (err) {
    if (err instanceof ImageRejected) return failImage(deps, job, image, err.message)
    if (!isMissing(err)) throw err
    return failImage(deps, job, image, 'the upload is missing from quarantine')
  }
  let out
  try {
    out = await sanitizeImage(input, deps.sanitize)
  } catch (err) {
    if (!(err instanceof ImageRejected)) throw err
    return failImage(deps, job, image, err.message)
  }
  const storageKey = scanKey(job.customerId, job.id, image.id, out.ext)
  const outcome = await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
    const lock = await lockImageForStore(tx, job.id, image.id)
    if (lock !== 'locked') return lock
    await deps.store.putBuffer(storageKey, out.data, out.contentType, out.sha256)
    await markImageStored(tx, job.id, image.id, { storageKey, sha256: out.sha256, bytes: out.data.length, width: out.width, height: out.height })
    return 'stored' as const
  }, { timeoutMs: STORE_TX_MS })
  if (outcome !== 'stored') return outcome
  // After the commit: a crash before this leaves a quarantine object that finish() removes.
  await deps.store.deleteKeys([image.quarantineKey])
  deps.metrics?.stored()
  return 'stored'
}

async function failImage(deps: ScanDeps, job: JobRef, image: ImageRef, reason: string): Promise<'failed'> {
  deps.log.info({ scanJobId: job.id, imageId: image.id, reason }, 'image rejected')
  await withTx(deps.db, SYSTEM_CONTEXT, (tx) => failImageRow(tx, job.id, image.id, reason))
  deps.metrics?.rejected(reason)
  // Hostile or broken bytes are not kept; the row keeps the reason.
  await deps.store.deleteKeys([image.quarantineKey])
  return 'failed'
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of stream) {
    total += (chunk as Buffer).length
    if (total > MAX_QUARANTINE_BYTES) {
      stream.destroy()
      throw new ImageRejected('quarantined object is larger than any accepted upload')
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404
}
