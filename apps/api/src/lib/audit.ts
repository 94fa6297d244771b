import type { FastifyRequest } from 'fastify'

/** The request fields every audit row carries (docs/product.md §5.3). Never a header with a credential. */
export function auditFields(request: FastifyRequest) {
  const userAgent = request.headers['user-agent']
  return {
    ip: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent : undefined,
    requestId: request.id,
  }
}
