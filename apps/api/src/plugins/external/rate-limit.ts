import rateLimit from '@fastify/rate-limit'
import { writeAudit, ANONYMOUS_CONTEXT, withTx } from '@printforge/db'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { clientKey } from '../../lib/client-key.js'
import { auditFields } from '../../lib/audit.js'
import { dbContextOf } from '../../lib/principal.js'
import { sendError } from '../app/errors.js'

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const WINDOW_MS = 60_000

/**
 * docs/product.md §3 rate limits, shared by every API instance through Redis. They run at preParsing:
 * after authentication (so an authenticated caller is keyed by actor, never by a shared IP) and
 * before the body is read (a refused upload costs nothing). When Redis is unreachable the
 * limiter fails open for reads and closed (503) for writes.
 */
export default fp(
  async (app: FastifyInstance) => {
    const firstRefusal = new Map<string, number>()
    await app.register(rateLimit, {
      global: true,
      hook: 'preParsing',
      max: 100,
      timeWindow: WINDOW_MS,
      redis: app.redis.fast,
      nameSpace: 'pf-rl:',
      skipOnError: true,
      keyGenerator: clientKey,
      addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true },
      addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
      errorResponseBuilder: (_request, context) => ({ statusCode: 429, code: 'RATE_LIMITED', message: `Rate limit exceeded, retry in ${context.after}.` }),
      onExceeded: (request: FastifyRequest, key: string) => {
        // One audit row per key and window, not one per refused request: a flood must not
        // turn into an audit-log flood.
        const now = Date.now()
        if ((firstRefusal.get(key) ?? 0) > now - WINDOW_MS) return
        firstRefusal.set(key, now)
        if (firstRefusal.size > 10_000) firstRefusal.clear()
        const p = request.principal
        void withTx(app.db.prisma, p ? dbContextOf(p) : ANONYMOUS_CONTEXT, (tx) =>
          writeAudit(tx, {
            ...(p ? { actorType: p.actorType, actorId: p.actorId } : { actorType: 'anonymous' as const }),
            action: 'ratelimit.exceeded',
            ...auditFields(request),
            details: { route: request.routeOptions.url ?? 'unknown', method: request.method },
          }),
        ).catch((err: unknown) => request.log.error({ err }, 'could not audit ratelimit.exceeded'))
      },
    })
    app.addHook('preParsing', async (request, reply) => {
      if (WRITE_METHODS.has(request.method) && !app.redis.health.up) {
        return sendError(request, reply, 'UNAVAILABLE', 'Writes are paused while a dependency is unavailable; retry shortly.')
      }
    })
  },
  { name: 'rate-limit', dependencies: ['redis', 'database'] },
)
