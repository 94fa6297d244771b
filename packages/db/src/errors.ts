import { AppError } from '@printforge/errors'

/**
 * PostgreSQL SQLSTATE of an error from Prisma (known request errors carry it in their driver
 * adapter cause), from node-postgres, or from anything wrapping one in `cause`.
 */
export function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    const candidate = e as {
      code?: unknown
      meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } }; code?: unknown }
      cause?: unknown
    }
    const adapterCause = candidate.meta?.driverAdapterError?.cause
    if (typeof adapterCause?.originalCode === 'string') return adapterCause.originalCode
    if (typeof candidate.meta?.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.meta.code)) return candidate.meta.code
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate.code
    e = candidate.cause
  }
  return undefined
}

const prismaCode = (err: unknown) => (err as { code?: unknown } | null)?.code

export const isUniqueViolation = (err: unknown) => prismaCode(err) === 'P2002' || sqlState(err) === '23505'
export const isForeignKeyViolation = (err: unknown) => prismaCode(err) === 'P2003' || sqlState(err) === '23503'
export const isRecordNotFound = (err: unknown) => prismaCode(err) === 'P2025'
/** RLS WITH CHECK failures and missing grants both surface as insufficient_privilege. */
export const isPermissionDenied = (err: unknown) => sqlState(err) === '42501'
export const isSerializationFailure = (err: unknown) =>
  prismaCode(err) === 'P2034' || sqlState(err) === '40001' || sqlState(err) === '40P01'
/**
 * SQLSTATE class 22, "data exception": a value the column cannot hold (NUL in text, a malformed
 * uuid or timestamp, a number out of range). Input validation should catch these first; this is
 * the net that keeps one that slipped through a 400 rather than a 500.
 */
export const isInvalidInput = (err: unknown) => sqlState(err)?.startsWith('22') === true
// 57P01 admin shutdown, 57P02 crash shutdown (every other session, when one backend crashes and the
// server resets), 57P03 cannot connect now (starting up, recovering), 53300 too many connections,
// 08006/08001 connection failure.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '08006', '08001'])
// P2028: a transaction could not start (or finish) in its time: the pool or the server is stuck.
const UNAVAILABLE_CODES = new Set(['P1001', 'P1017', 'P2024', 'P2028', 'DATABASE_UNAVAILABLE'])
const UNAVAILABLE_MESSAGE = /ECONNREFUSED|ECONNRESET|Connection terminated|is not queryable|timeout exceeded when trying to connect|database unavailable|ConnectionClosed|DatabaseNotReachable|SocketTimeout/i
// Prisma's adapter reports socket failures as a DriverAdapterError whose cause has one of these kinds.
const UNAVAILABLE_KINDS = new Set(['ConnectionClosed', 'DatabaseNotReachable', 'SocketTimeout'])

/**
 * The database is down, frozen, restarting or out of connections: the caller should answer 503.
 * Looks through wrapped causes (Prisma wraps driver errors, the pool wraps its own refusal).
 */
export const isDatabaseUnavailable = (err: unknown): boolean => {
  if (UNAVAILABLE_STATES.has(sqlState(err) ?? '')) return true
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    if (UNAVAILABLE_CODES.has(String((e as { code?: unknown }).code)) || UNAVAILABLE_MESSAGE.test(String((e as Error).message))) return true
    if (UNAVAILABLE_KINDS.has(String((e as { kind?: unknown }).kind))) return true
    e = (e as { cause?: unknown }).cause
  }
  return false
}

/**
 * Maps a database error to the API's error vocabulary, or returns undefined for errors that are
 * bugs (and must surface as a generic 500).
 */
export function toAppError(err: unknown): AppError | undefined {
  if (isUniqueViolation(err)) return new AppError('CONFLICT', 'The resource already exists.', { cause: err })
  if (isRecordNotFound(err)) return new AppError('NOT_FOUND', 'Not found.', { cause: err })
  if (isForeignKeyViolation(err)) return new AppError('CONFLICT', 'A referenced resource does not exist or is in use.', { cause: err })
  if (isSerializationFailure(err)) return new AppError('CONFLICT', 'A concurrent change conflicted; retry the request.', { cause: err })
  if (isInvalidInput(err)) return new AppError('VALIDATION_FAILED', 'A value is not valid for its field.', { cause: err })
  if (isDatabaseUnavailable(err)) return new AppError('UNAVAILABLE', 'The service is temporarily unavailable.', { cause: err })
  return undefined
}
