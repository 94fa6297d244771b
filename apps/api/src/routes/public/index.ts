import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { readiness } from '../../lib/readiness.js'
import { ErrorBody } from '../../schemas/common.js'

const VERSION = '0.1.0'

/** docs/product.md §4.1: the only routes without authentication, in their own scope. */
const publicRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: { operationId: 'about', response: { 200: Type.Object({ name: Type.String(), version: Type.String() }), 429: ErrorBody } },
  }, async () => ({ name: 'printforge', version: VERSION }))

  app.get('/health', {
    schema: { operationId: 'health', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    config: { rateLimit: false },
  }, async () => ({ status: 'ok' as const }))

  const ready = readiness({ database: app.db.health, redis: app.redis.health, storage: app.store.health })
  const ReadyBody = Type.Object({
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    checks: Type.Object({ database: Type.Boolean(), redis: Type.Boolean(), storage: Type.Boolean() }),
  })
  app.get('/health/ready', {
    schema: { operationId: 'ready', response: { 200: ReadyBody, 503: ReadyBody } },
    config: { rateLimit: false },
  }, async (_request, reply) => {
    const { database, redis, storage } = ready()
    const ok = database && redis && storage
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', checks: { database, redis, storage } })
  })
}

export default publicRoutes
