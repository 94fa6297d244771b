import { PassThrough, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { AppError } from '@printforge/errors'
import { digestTap, type ObjectStore } from '@printforge/storage'
import { assertNotPixelFlood, detectImageKind, MAX_HEAD_BYTES, readDimensions, type ImageKind } from './image-sniff.js'

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
  const iterator = file[Symbol.asyncIterator]()
  const headChunks: Buffer[] = []
  let headLength = 0
  let dimensions: { width: number; height: number } | undefined
  let ended = false
  while (!dimensions && headLength < MAX_HEAD_BYTES) {
    const next = await iterator.next()
    if (next.done) {
      ended = true
      break
    }
    headChunks.push(next.value as Buffer)
    headLength += (next.value as Buffer).length
    if (headLength >= 4_100) dimensions = readDimensions(Buffer.concat(headChunks))
  }
  const head = Buffer.concat(headChunks)
  if (head.length === 0) throw new AppError('VALIDATION_FAILED', 'An image is empty.')
  const kind = await detectImageKind(head, filename)
  dimensions ??= readDimensions(head)
  if (!dimensions) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'An image is truncated or its header is unreadable.')
  assertNotPixelFlood(filename, dimensions)

  const meter = digestTap()
  const body = new PassThrough()
  const rest = async function* () {
    yield head
    if (!ended) for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value as Buffer
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
