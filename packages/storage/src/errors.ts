/** Network failures on the way to storage (refused, reset, timed out, unreachable). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'])

/**
 * Storage is down, unreachable or overloaded (a network failure, a timeout, a 5xx such as R2's
 * 503 SlowDown): the caller should answer 503 and the client retry. A 4xx from storage (access
 * denied, no such bucket) is a configuration fault of ours and stays a 500.
 */
export function isStorageUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const candidate = e as { code?: unknown; name?: unknown; $metadata?: { httpStatusCode?: number }; cause?: unknown }
    if (NETWORK_CODES.has(String(candidate.code)) || TIMEOUT_NAMES.has(String(candidate.name))) return true
    const status = candidate.$metadata?.httpStatusCode
    if (typeof status === 'number' && status >= 500) return true
    e = candidate.cause
  }
  return false
}
