import { ANONYMOUS_CONTEXT, withTx, writeAudit } from '@printforge/db'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { auditFields } from './audit.js'
import { ipKey } from './client-key.js'

/** PRODUCT §2: more than 5 failures a minute from one IP is an alert; more than 30 get 429. */
export const AUTH_FAILURE_ALERT = 5
export const AUTH_FAILURE_LIMIT = 30
const WINDOW_S = 60

/**
 * Counts a failed authentication against its own per-IP budget (separate from the request
 * limits, and consulted only for failures: a valid token is never refused because other clients
 * behind the same IP failed). Audits it without the token. Returns the refusal when over budget.
 */
export async function recordAuthFailure(app: FastifyInstance, request: FastifyRequest, reason: string) {
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
  // Audit each failure up to the limit, then one ratelimit row: a flood must not flood the log.
  if (count === null || count <= AUTH_FAILURE_LIMIT + 1) {
    const action = count !== null && count > AUTH_FAILURE_LIMIT ? 'ratelimit.exceeded' : 'auth.failed'
    await withTx(app.db.prisma, ANONYMOUS_CONTEXT, (tx) =>
      writeAudit(tx, { actorType: 'anonymous', action, ...auditFields(request), details: { reason, route: request.url.split('?')[0] } }),
    ).catch((err: unknown) => request.log.error({ err }, `could not audit ${action}`))
  }
  request.log.info({ reason }, 'authentication failed')
  return count !== null && count > AUTH_FAILURE_LIMIT ? { retryAfterSeconds: WINDOW_S } : null
}
