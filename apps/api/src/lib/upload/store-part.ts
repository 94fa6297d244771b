import { PassThrough, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { AppError } from '@printforge/errors'
import { digestTap, type ObjectStore } from '@printforge/storage'
import { clientBytes } from './client-parts.js'
import { assertNotPixelFlood, detectImageKind, FILE_TYPE_SAMPLE, MAX_HEAD_BYTES, readDimensions, type ImageKind } from './image-sniff.js'

export interface StoredPart {
  kind: ImageKind
  width: number
  height: number
  bytes: number
  sha256: string
}

export interface FilePart {
  filename: string
  file: Readable & { truncated?: boolean }
}

/**
 * Validates one uploaded file while streaming it to `key`: the head is held back (≤ 1 MiB) until
 * its type and dimensions are known, so nothing is stored before the checks pass; the rest flows
 * straight through with a running SHA-256. Memory per file stays bounded whatever its size.
 * When `key` is undefined the part is only validated and hashed (idempotent replays).
 */
export async function storePart(store: ObjectStore, part: FilePart, key: string | undefined, signal: AbortSignal): Promise<StoredPart> {
  const { file, filename } = part
  const iterator = clientBytes(file)
  const headChunks: Buffer[] = []
  let headLength = 0
  let ended = false
  const readHead = async (until: (head: Buffer) => boolean) => {
    while (!ended && headLength < MAX_HEAD_BYTES && !until(Buffer.concat(headChunks))) {
      const next = await iterator.next()
      if (next.done) {
        ended = true
      } else {
        headChunks.push(next.value)
        headLength += next.value.length
      }
    }
    return Buffer.concat(headChunks)
  }
  // The type is known from the first 4,100 bytes (file-type's sample): refuse a wrong one then,
  // not after reading up to a megabyte of it.
  let head = await readHead((h) => h.length >= FILE_TYPE_SAMPLE)
  if (head.length === 0) throw new AppError('VALIDATION_FAILED', 'An image is empty.')
  const kind = await detectImageKind(head, filename)
  let dimensions = readDimensions(head)
  if (!dimensions) {
    // EXIF and ICC blocks may sit before a JPEG's SOF: read on (≤ 1 MiB) until the size is known.
    head = await readHead((h) => readDimensions(h) !== undefined)
    dimensions = readDimensions(head)
  }
  if (!dimensions) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'An image is truncated or its header is unreadable.')
  assertNotPixelFlood(filename, dimensions)

  const meter = digestTap()
  const body = new PassThrough()
  const rest = async function* () {
    yield head
    if (!ended) for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
  }
  // One abort for everything in flight: the request's (client gone, another part rejected), a
  // failed store, or the size limit. An aborted multipart upload leaves no object behind.
  const local = new AbortController()
  const abort = () => local.abort()
  signal.addEventListener('abort', abort, { once: true })
  file.once('limit', abort)
  const failFast = (p: Promise<unknown>) => p.catch((err: unknown) => (abort(), Promise.reject(err)))
  try {
    if (!key) body.resume()
    await Promise.all([
      failFast(pipeline(rest, meter.stream, body, { signal: local.signal })),
      key ? failFast(store.putStream(key, body, kind.mime, local.signal)) : undefined,
    ])
  } catch (err) {
    if (file.truncated) throw new AppError('PAYLOAD_TOO_LARGE', 'An image exceeds 10 MiB.')
    throw err
  } finally {
    signal.removeEventListener('abort', abort)
  }
  // @fastify/multipart cuts a file at the fileSize limit and only flags it: refuse it here.
  if (file.truncated) throw new AppError('PAYLOAD_TOO_LARGE', 'An image exceeds 10 MiB.')
  return { kind, ...dimensions, ...meter.result() }
}
