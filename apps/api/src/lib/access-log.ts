import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/** A response this slow is worth an operator's look even when it succeeded. */
export const SLOW_RESPONSE_MS = 1_000

/**
 * What the API logs per request. Fastify's default is two info lines per request ("incoming
 * request", "request completed"); nobody reads them in production, where nginx's access log
 * already records every request with its status and time, and writing them cost ~20 % of the
 * API's CPU on the read path (npm run bench -- api). So:
 * - a response that failed (5xx, or an error while sending) is logged as an error, as before;
 * - a slow one (≥ SLOW_RESPONSE_MS) as a warning, with its status and time;
 * - every other one at debug: LOG_LEVEL=debug brings the full access log back.
 * Refusals that matter (401, 403, 429) write audit rows (docs/security.md), not log lines.
 */
export class AccessLog extends LogController {
  constructor(private readonly slowMs = SLOW_RESPONSE_MS) {
    super()
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, _request: FastifyRequest, reply: FastifyReply): void {
    if (error || reply.statusCode >= 500) {
      reply.log.error({ res: reply, err: error ?? undefined, responseTime: reply.elapsedTime }, 'request failed')
    } else if (reply.elapsedTime >= this.slowMs) {
      reply.log.warn({ res: reply, responseTime: reply.elapsedTime }, 'slow response')
    } else {
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
    }
  }
}
