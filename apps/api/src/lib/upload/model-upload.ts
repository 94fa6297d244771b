import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { AppError } from '@printforge/errors'
import { digestTap } from '@printforge/storage'
import type { FastifyRequest } from 'fastify'
import { clientBytes, clientParts } from './client-parts.js'
import { safeName } from './image-sniff.js'
import { assertZipMagic } from './model-3mf.js'

const FIELDS = new Set(['printerId', 'model', 'plate', 'scanJobId', 'useAms', 'amsMapping', 'bedLeveling', 'timelapse'])

export interface ReceivedModel {
  fields: Record<string, string>
  file: { path: string; name: string; bytes: number; sha256: string }
  /** Removes the temporary file; call it in every outcome. */
  cleanup(): Promise<void>
}

/**
 * Receives POST /manufacturing/create: form fields, and the `model` file streamed to a private
 * temporary file (a ZIP can only be validated with random access to its central directory).
 * The ZIP magic is checked on the first bytes; the size limit is enforced by busboy.
 */
export async function receiveModel(request: FastifyRequest, maxBytes: number, extraFields: readonly string[] = []): Promise<ReceivedModel> {
  // POST /print-files takes the same form plus its own fields (name, productRef).
  const allowed = extraFields.length ? new Set([...FIELDS, ...extraFields]) : FIELDS
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pf-model-'))
  const cleanup = () => rm(dir, { recursive: true, force: true })
  const fields: Record<string, string> = {}
  let file: ReceivedModel['file'] | undefined
  try {
    const limits = { files: 1, fileSize: maxBytes, fields: allowed.size, parts: allowed.size + 1, fieldSize: 1_024, headerPairs: 16 }
    for await (const part of clientParts(request, limits)) {
      if (part.type === 'field') {
        if (!allowed.has(part.fieldname) || part.fieldname in fields || typeof part.value !== 'string') {
          throw new AppError('VALIDATION_FAILED', `Unexpected form field ${JSON.stringify(part.fieldname.slice(0, 64))}.`)
        }
        fields[part.fieldname] = part.value
        continue
      }
      if (part.fieldname !== 'model' || file) throw new AppError('VALIDATION_FAILED', 'Send exactly one file, in the "model" field.')
      if (!/\.3mf$/i.test(part.filename)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The model must be a sliced .gcode.3mf.')
      const target = path.join(dir, `${randomUUID()}.3mf`)
      let head: Buffer | undefined
      const zipMagic = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          if (!head) {
            head = chunk
            try {
              assertZipMagic(chunk)
            } catch (err) {
              return callback(err as Error)
            }
          }
          callback(null, chunk)
        },
      })
      const digest = digestTap()
      await pipeline(clientBytes(part.file), zipMagic, digest.stream, createWriteStream(target, { mode: 0o600 }))
      if (part.file.truncated) throw new AppError('PAYLOAD_TOO_LARGE', `The model exceeds ${maxBytes} bytes.`)
      const { bytes, sha256 } = digest.result()
      if (bytes === 0) throw new AppError('VALIDATION_FAILED', 'The model file is empty.')
      file = { path: target, name: safeName(part.filename), bytes, sha256 }
    }
    if (!file) throw new AppError('VALIDATION_FAILED', 'A sliced model is required in the "model" field.')
    return { fields, file, cleanup }
  } catch (err) {
    await cleanup()
    throw err
  }
}
