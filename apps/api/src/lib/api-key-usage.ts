import { withTx, writeAudit } from '@printforge/db'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { auditFields } from './audit.js'
import { dbContextOf } from './principal.js'

/**
 * After a key's request was answered (onResponse: the caller never waits for this): one
 * `api_key.used` audit row (method, route template, status), and `last_used_at`/`last_used_ip`
 * moved by api_key_touch, which writes at most once a minute per key. Both run in the key's own
 * context in one transaction. A failure is logged and the answer stands: it was already sent.
 */
export function apiKeyUsageHook(app: FastifyInstance) {
  return async function recordApiKeyUse(request: FastifyRequest, reply: FastifyReply) {
    const p = request.principal
    if (p?.actorType !== 'api_key') return
    const meta = auditFields(request)
    try {
      await withTx(app.db.prisma, dbContextOf(p), async (tx) => {
        await tx.$executeRaw`SELECT public.api_key_touch(${request.ip})`
        await writeAudit(tx, {
          actorType: 'api_key', actorId: p.actorId, action: 'api_key.used', targetType: 'api_key', targetId: p.actorId, ...meta,
          details: { method: request.method, route: request.routeOptions.url ?? 'unknown', status: reply.statusCode },
        })
      })
    } catch (err) {
      request.log.error({ err, keyId: p.actorId }, 'could not record an API key use')
    }
  }
}
