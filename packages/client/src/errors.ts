import type { ErrorCode } from '@printforge/errors'

/**
 * Every error the API answers has this body (docs/product.md §3). Switch on `code`, never on
 * `message`; quote `requestId` when reporting a problem (it is in the API's logs). The served
 * document types `code` as a string; here it is the API's list of codes.
 */
export interface PrintForgeErrorBody {
  error: { code: ErrorCode; message: string; requestId: string }
}

export type { ErrorCode }

/** True when `value` is an API error body (for `error` from a client call, or any parsed body). */
export function isPrintForgeError(value: unknown): value is PrintForgeErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false
  const error = (value as { error: unknown }).error
  if (typeof error !== 'object' || error === null) return false
  const { code, message, requestId } = error as Record<string, unknown>
  return typeof code === 'string' && typeof message === 'string' && typeof requestId === 'string'
}
