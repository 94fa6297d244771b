import type { FastifyInstance, FastifyRequest } from 'fastify'
import { auditFields } from './audit.js'
import { ipKey } from './client-key.js'

/** docs/product.md §2: more than 5 failures a minute from one IP is an alert; more than 30 get 429. */
export const AUTH_FAILURE_ALERT = 5
export const AUTH_FAILURE_LIMIT = 30
const WINDOW_S = 60

/**
 * Counts a failed authentication against its own per-IP budget (separate from the request
 * limits, and consulted only for failures: a valid token is never refused because other clients
 * behind the same IP failed). Audits it (aggregated, never the token). Returns the refusal when over budget.
 */
export async function recordAuthFailure(app: FastifyInstance, request: FastifyRequest, reason: string) {
  app.metrics.authFailure(reason)
  const key = `pf-authfail:${ipKey(request.ip)}`
  let count: number | null = null
  try {
    const [[, incr], [, ttl]] = (await app.redis.fast.multi().incr(key).ttl(key).exec()) as [[null, number], [null, number]]
    count = incr
    if (ttl < 0) await app.redis.fast.expire(key, WINDOW_S)
  } catch {
    // Redis down: failed authentications are still refused (401) and audited, just not counted.
  }
  if (count === AUTH_FAILURE_ALERT + 1) {
    request.log.warn({ alert: 'auth_failures', ip: request.ip, threshold: AUTH_FAILURE_ALERT }, 'ALERT: repeated failed authentications from one IP')
  }
  // Audited in aggregate (auth-failure-audit.ts): a flood must not queue every audited write
  // behind the chain-head lock.
  const { userAgent, requestId } = auditFields(request)
  app.authFailures.record({ ip: request.ip, reason, route: request.routeOptions.url ?? 'unknown', userAgent, requestId, limited: count !== null && count > AUTH_FAILURE_LIMIT })
  request.log.info({ reason }, 'authentication failed')
  return count !== null && count > AUTH_FAILURE_LIMIT ? { retryAfterSeconds: WINDOW_S } : null
}
