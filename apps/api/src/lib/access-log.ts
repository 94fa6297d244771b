import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/** A response this slow is worth an operator's look even when it succeeded. */
export const SLOW_RESPONSE_MS = 1_000

/** The liveness and readiness routes (routes/public). */
const HEALTH_PROBES: ReadonlySet<string> = new Set(['/health', '/health/ready'])

/**
 * What the API logs per request. Fastify's default is two info lines per request ("incoming
 * request", "request completed"); nobody reads them in production, where nginx's access log
 * already records every request with its status and time, and writing them cost ~20 % of the
 * API's CPU on the read path (npm run bench -- api). So:
 * - a response that failed (5xx, or an error while sending) is logged as an error, as before;
 * - a slow one (≥ SLOW_RESPONSE_MS) as a warning, with its status and time;
 * - every other one at debug: LOG_LEVEL=debug brings the full access log back.
 * Refusals that matter (401, 403, 429) write audit rows (docs/security.md), not log lines.
 * Health probes stay at debug whatever they answer: a load balancer asks every few seconds, and a
 * degraded readiness (503) is already logged once per outage, with an `alert` field, by the
 * dependency that went down.
 */
export class AccessLog extends LogController {
  constructor(private readonly slowMs = SLOW_RESPONSE_MS) {
    super()
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (HEALTH_PROBES.has(request.routeOptions.url ?? '') && !error) {
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'health probe')
    } else if (error || reply.statusCode >= 500) {
      reply.log.error({ res: reply, err: error ?? undefined, responseTime: reply.elapsedTime }, 'request failed')
    } else if (reply.elapsedTime >= this.slowMs) {
      reply.log.warn({ res: reply, responseTime: reply.elapsedTime }, 'slow response')
    } else {
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
    }
  }
}
