import { createHash } from 'node:crypto'
import { Transform } from 'node:stream'

export interface DigestTap {
  /** Pass-through to put in a pipeline: bytes flow on unchanged. */
  stream: Transform
  /** Bytes seen and their SHA-256 (hex); call once the pipeline has finished. */
  result(): { bytes: number; sha256: string }
}

/**
 * Counts and hashes what streams through, so an object's size and SHA-256 are known the moment
 * it is written (uploads into quarantine or model storage, a model fetched back for a printer)
 * without reading it twice.
 */
export function digestTap(): DigestTap {
  const hash = createHash('sha256')
  let bytes = 0
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      bytes += chunk.length
      callback(null, chunk)
    },
  })
  return { stream, result: () => ({ bytes, sha256: hash.digest('hex') }) }
}
