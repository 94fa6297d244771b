import { AppError, ERROR_STATUS, type ErrorCode } from '@printforge/errors'
import { toAppError } from '@printforge/db'
import { isStorageUnavailable } from '@printforge/storage'
import { isRedisUnavailable } from '../../lib/redis-health.js'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

/** Fastify and plugin error codes that are the client's fault, by the API code they become. */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INSTANCE_ALREADY_STARTED: 'INTERNAL',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FIELDS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PROTO_VIOLATION: 'VALIDATION_FAILED',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
  FST_ERR_ASYNC_CONSTRAINT: 'VALIDATION_FAILED',
}

/** Client-safe messages; a library's own text never reaches the client. */
const GENERIC_MESSAGE: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is invalid.',
  UNAUTHENTICATED: 'Authentication required.',
  FORBIDDEN: 'Not allowed.',
  QUOTA_EXCEEDED: 'Monthly quota exceeded.',
  NOT_FOUND: 'Not found.',
  CONFLICT: 'Conflict.',
  FILAMENT_MISMATCH: 'No printer has the filaments loaded.',
  PAYLOAD_TOO_LARGE: 'Payload too large.',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type.',
  RATE_LIMITED: 'Too many requests.',
  TOO_MANY_STREAMS: 'Too many live streams open.',
  INTERNAL: 'Internal error.',
  UNAVAILABLE: 'The service is temporarily unavailable.',
}

declare module 'fastify' {
  interface FastifyReply {
    /** The error code this reply carries, set by sendError: the `reason` of the rejection metrics. */
    errorCode: ErrorCode | null
  }
}

export function sendError(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, message?: string) {
  const status = ERROR_STATUS[code]
  reply.errorCode = code
  if (status === 401) reply.header('www-authenticate', 'Bearer')
  return reply.code(status).send({ error: { code, message: message ?? GENERIC_MESSAGE[code], requestId: request.id } })
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route or hook runs (a URL whose
 * percent-encoding does not decode, a path parameter over maxParamLength). Without it Fastify
 * writes its own answer: another body shape (its internal code, the URL echoed back), a 414,
 * and none of the security headers, since no hook runs.
 */
export function onFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  request.log.info({ code: 'VALIDATION_FAILED', reason: err.code }, 'request rejected')
  return sendError(request, reply, 'VALIDATION_FAILED', 'The request URL is malformed or too long.')
}

function classify(err: FastifyError): { code: ErrorCode; message?: string } {
  if (err instanceof AppError) return { code: err.code, message: err.message }
  if (err.validation) {
    // Name the field, never echo the value.
    const first = err.validation[0]
    const where = `${err.validationContext ?? 'request'}${first?.instancePath ?? ''}`
    return { code: 'VALIDATION_FAILED', message: `Invalid ${where}: ${first?.message ?? 'invalid'}`.slice(0, 300) }
  }
  const mapped = err.code ? FRAMEWORK_CODES[err.code] : undefined
  if (mapped) return { code: mapped }
  if (err.statusCode === 429) return { code: 'RATE_LIMITED' }
  if (err.code?.startsWith('FST_JWT') || err.code?.startsWith('FAST_JWT')) return { code: 'UNAUTHENTICATED' }
  const fromDb = toAppError(err)
  if (fromDb) return { code: fromDb.code, message: fromDb.status < 500 ? fromDb.message : undefined }
  // Storage or Redis down (an outage that began mid-request): the client retries shortly.
  if (isStorageUnavailable(err) || isRedisUnavailable(err)) return { code: 'UNAVAILABLE' }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return { code: 'VALIDATION_FAILED' }
  return { code: 'INTERNAL' }
}

/** A number coercion made infinite, at the top level of the query or params or in an array there. */
function hasNonFinite(values: unknown): boolean {
  if (!values || typeof values !== 'object') return false
  return Object.values(values).some((v) => (typeof v === 'number' && !Number.isFinite(v)) || (Array.isArray(v) && v.some((x) => typeof x === 'number' && !Number.isFinite(x))))
}

/**
 * One error handler (docs/api.md, "Errors"): maps by code to `{ error: { code, message, requestId } }`.
 * 5xx answers carry a generic message; the cause goes to the log with the request id.
 */
export default fp(
  async (app: FastifyInstance) => {
    app.decorateReply('errorCode', null)
    app.setErrorHandler((err: FastifyError, request, reply) => {
      const { code, message } = classify(err)
      const status = ERROR_STATUS[code]
      if (status >= 500) request.log.error({ err }, 'request failed')
      else request.log.info({ code, reason: err.code ?? err.name }, 'request rejected')
      if (reply.sent) return
      return sendError(request, reply, code, status >= 500 ? undefined : message)
    })
    // ajv's coerceTypes turns a query value such as "1e400" (or 309 digits) into ±Infinity and
    // then skips minimum and maximum for it (ajv-validator/ajv#2212, fastify/fastify#6718): a
    // `?limit=1e400` reached Prisma as take: Infinity (500). Refuse what coercion made infinite
    // before any handler sees it.
    app.addHook('preHandler', async (request, reply) => {
      if (hasNonFinite(request.query) || hasNonFinite(request.params)) return sendError(request, reply, 'VALIDATION_FAILED', 'Numbers must be finite.')
    })
  },
  { name: 'errors' },
)
