import { createHash, randomUUID } from 'node:crypto'
import type { NewScanImage } from '@printforge/domain'
import { AppError } from '@printforge/errors'
import { quarantineKey, type ObjectStore } from '@printforge/storage'
import type { FastifyRequest } from 'fastify'
import { clientParts } from './client-parts.js'
import { safeName } from './image-sniff.js'
import { storePart } from './store-part.js'

/** docs/product.md §4.2 limits, enforced by busboy while the body streams in. */
export const UPLOAD_LIMITS = {
  files: 50,
  fileSize: 10 * 1024 * 1024,
  fields: 2,
  parts: 52,
  fieldNameSize: 64,
  fieldSize: 8_000, // notes: 2,000 characters of up to 4 bytes
  headerPairs: 16,
}

/** One validated upload in quarantine: the image row the domain creates (packages/domain/src/scans/jobs.ts). */
export type IngestedImage = NewScanImage

export interface IngestedUpload {
  title: string | undefined
  notes: string | undefined
  images: IngestedImage[]
  /** SHA-256 of what was sent (fields, and each file's name, size and digest): idempotency. */
  requestHash: string
  /** Keys written to storage by this request (empty when `storeObjects` was false). */
  storedKeys: string[]
}

/**
 * Streams a scan upload part by part: each file is validated from its head and streamed to
 * `quarantine/<jobId>/<imageId>`. On the first bad part the whole request fails and every object
 * it already stored is deleted before the error propagates.
 */
export async function ingestScanUpload(
  request: FastifyRequest,
  store: ObjectStore,
  jobId: string,
  { storeObjects }: { storeObjects: boolean },
): Promise<IngestedUpload> {
  const fields: Record<string, string> = {}
  const images: IngestedImage[] = []
  const storedKeys: string[] = []
  const aborted = new AbortController()
  const onClose = () => {
    if (!request.raw.complete) aborted.abort()
  }
  request.raw.once('close', onClose)
  try {
    for await (const part of clientParts(request, UPLOAD_LIMITS)) {
      if (part.type === 'field') {
        if ((part.fieldname !== 'title' && part.fieldname !== 'notes') || part.fieldname in fields) {
          throw new AppError('VALIDATION_FAILED', `Unexpected form field ${JSON.stringify(part.fieldname.slice(0, 64))}.`)
        }
        if (typeof part.value !== 'string' || part.valueTruncated) throw new AppError('VALIDATION_FAILED', `Invalid ${part.fieldname}.`)
        fields[part.fieldname] = part.value
        continue
      }
      if (part.fieldname !== 'images') throw new AppError('VALIDATION_FAILED', 'Files go in the "images" field.')
      const id = randomUUID()
      const key = storeObjects ? quarantineKey(jobId, id) : undefined
      if (key) storedKeys.push(key) // before the upload starts: a partial object is cleaned up too
      const stored = await storePart(store, { filename: part.filename, file: part.file }, key, aborted.signal)
      images.push({
        id,
        originalFilename: safeName(part.filename),
        contentType: stored.kind.mime,
        bytes: stored.bytes,
        width: stored.width,
        height: stored.height,
        sha256: stored.sha256,
        quarantineKey: key ?? quarantineKey(jobId, id),
      })
    }
  } catch (err) {
    aborted.abort()
    await store.deleteKeys(storedKeys).catch((cleanupError: unknown) =>
      request.log.error({ err: cleanupError, keys: storedKeys }, 'could not delete objects of a rejected upload'),
    )
    throw err
  } finally {
    request.raw.off('close', onClose)
  }
  const requestHash = createHash('sha256')
    .update(JSON.stringify({ title: fields['title'], notes: fields['notes'], images: images.map((i) => [i.originalFilename, i.bytes, i.sha256]) }))
    .digest('hex')
  return { title: fields['title'], notes: fields['notes'], images, requestHash, storedKeys }
}
