import type { Multipart } from '@fastify/multipart'
import { AppError } from '@printforge/errors'
import type { FastifyRequest } from 'fastify'

export type PartLimits = NonNullable<Parameters<FastifyRequest['parts']>[0]>['limits']

/**
 * Everything the multipart parser throws comes from the client's bytes: a missing boundary, a
 * body that ends inside a part, a part header it cannot read. busboy reports these as plain
 * `Error`s without a code, which the error handler would treat as our bug (500). Limit errors
 * (`FST_*`, mapped to 413 by the error handler), our own AppErrors and aborts keep their meaning.
 */
export function toClientError(err: unknown): unknown {
  if (err instanceof AppError) return err
  const e = err as { code?: unknown; name?: unknown } | null
  if (typeof e?.code === 'string' && e.code.startsWith('FST_')) return err
  if (e?.name === 'AbortError') return err
  return new AppError('VALIDATION_FAILED', 'The multipart body is malformed or ends inside a part.', { cause: err })
}

/**
 * The part's names as its type promises them. busboy yields `fieldname: undefined` for a
 * Content-Disposition without `name`, and a file part (its Content-Type is
 * application/octet-stream) without `filename`: both are the client's malformed body.
 */
function assertNamed(part: Multipart) {
  if (typeof part.fieldname !== 'string') throw new AppError('VALIDATION_FAILED', 'Every part of the multipart body needs a name.')
  if (part.type === 'file' && typeof part.filename !== 'string') throw new AppError('VALIDATION_FAILED', 'Every file part needs a filename.')
}

/**
 * `request.parts()` with parser failures turned into 400s (see toClientError) and every part
 * named. Every multipart route reads its body through this, so no parser error reaches the
 * error handler raw.
 */
export async function* clientParts(request: FastifyRequest, limits: PartLimits): AsyncGenerator<Multipart> {
  const iterator = (request.parts({ limits }) as AsyncIterable<Multipart>)[Symbol.asyncIterator]()
  for (;;) {
    let next: IteratorResult<Multipart>
    try {
      next = await iterator.next()
    } catch (err) {
      throw toClientError(err)
    }
    if (next.done) return
    assertNamed(next.value)
    yield next.value
  }
}

/** A file part's bytes, with the parser's errors (a part cut short) turned into 400s. */
export async function* clientBytes(file: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of file) yield chunk as Buffer
  } catch (err) {
    throw toClientError(err)
  }
}
