/**
 * The API's stable error codes (docs/product.md §3). Clients switch on `code`, never on `message`.
 * Each code has exactly one HTTP status, so a handler maps by code rather than by class.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  QUOTA_EXCEEDED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  /** Dispatch: no printer it may go to has the plate's filaments loaded (packages/domain/src/filaments). */
  FILAMENT_MISMATCH: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** GET /live: the caller already has LIVE_STREAMS_PER_ACTOR streams open. */
  TOO_MANY_STREAMS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

/** An error that is safe to show its caller: a stable code, its status and a human message. */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AppError'
    this.code = code
    this.status = ERROR_STATUS[code]
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError
