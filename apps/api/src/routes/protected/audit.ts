import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { commonErrors, Page, PageQuery, Text, Timestamp } from '../../schemas/common.js'

const AuditRow = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actorType: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
})

/** docs/product.md §4.6 / §5.3 (admin). */
const audit: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { roles: ['admin'] },
    schema: {
      operationId: 'listAudit',
      querystring: Type.Object({
        ...PageQuery,
        action: Type.Optional(Type.String({ maxLength: 64, pattern: '^[a-z_.]+$' })),
        actorId: Type.Optional(Text(255)),
        targetId: Type.Optional(Text(255)),
        from: Type.Optional(Timestamp),
        to: Type.Optional(Timestamp),
      }, { additionalProperties: false }),
      response: { 200: Page(AuditRow), ...commonErrors },
    },
  }, async (request) => app.services.audit.list(request.principal!, request.query, auditFields(request)))

  app.get('/verify', {
    config: { roles: ['admin'], rateLimit: { max: 5, timeWindow: 60_000 } },
    schema: {
      operationId: 'verifyAudit',
      response: { 200: Type.Object({ ok: Type.Boolean(), checked: Type.Integer(), firstBrokenId: Type.Union([Type.String(), Type.Null()]) }), ...commonErrors },
    },
  }, async (request) => app.services.audit.verify(request.principal!))
}

export default audit
