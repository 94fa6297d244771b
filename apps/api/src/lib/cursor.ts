import { AppError } from '@printforge/errors'

/**
 * Keyset pagination cursors: opaque base64url of the last row's sort key. Keyset (not OFFSET)
 * stays fast and stable while rows are added.
 *
 * A cursor comes back from the client, so it is untrusted input: each part is checked against
 * the kind of column it will be compared with before it reaches a query. A crafted cursor is a
 * 400, never a database error.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/
const INT8_MAX = 9_223_372_036_854_775_807n
// No control characters: PostgreSQL refuses NUL in text, and none belongs in a sort key.
const TEXT = /^[^\p{Cc}]{0,255}$/u

const KINDS = {
  timestamp: (v: unknown) => {
    if (typeof v !== 'string' || !ISO_TIME.test(v)) return undefined
    const date = new Date(v)
    return Number.isNaN(date.getTime()) ? undefined : date
  },
  uuid: (v: unknown) => (typeof v === 'string' && UUID.test(v) ? v : undefined),
  /** A positive bigint id (bigserial), sent as a decimal string. */
  id: (v: unknown) => (typeof v === 'string' && /^[1-9]\d{0,18}$/.test(v) && BigInt(v) <= INT8_MAX ? BigInt(v) : undefined),
  text: (v: unknown) => (typeof v === 'string' && TEXT.test(v) ? v : undefined),
}

type Kind = keyof typeof KINDS
type ValueOf<K extends Kind> = NonNullable<ReturnType<(typeof KINDS)[K]>>
export type Decoded<S extends readonly Kind[]> = { [I in keyof S]: ValueOf<S[I]> }

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url')
}

/** The cursor's parts converted to their kinds, or a 400 when any part does not fit its kind. */
export function decodeCursor<const S extends readonly Kind[]>(cursor: string | undefined, shape: S): Decoded<S> | undefined {
  if (!cursor) return undefined
  let parts: unknown
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    parts = undefined
  }
  if (Array.isArray(parts) && parts.length === shape.length) {
    const values = shape.map((kind, i) => KINDS[kind](parts[i]))
    if (values.every((v) => v !== undefined)) return values as Decoded<S>
  }
  throw new AppError('VALIDATION_FAILED', 'Invalid cursor.')
}
