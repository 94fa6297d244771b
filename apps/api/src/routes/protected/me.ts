import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { personOf } from '../../lib/principal.js'
import { AccountExport, Me } from '../../schemas/account.js'
import { commonErrors } from '../../schemas/common.js'

/** docs/product.md §4.6: identity and role; the caller's data, for data-subject access requests (streamed). */
const me: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/me', {
    config: { roles: ['customer', 'operator', 'admin', 'group_operator', 'group_admin', 'none'] },
    schema: { operationId: 'me', response: { 200: Type.Object({ me: Me }), ...commonErrors } },
  }, async (request) => ({ me: app.services.account.me(personOf(request.principal)) }))

  app.get('/me/export', {
    config: { roles: ['customer', 'operator', 'admin', 'group_operator', 'group_admin', 'none'], rateLimit: { max: 5, timeWindow: 60_000 } },
    schema: {
      operationId: 'exportMe',
      response: { 200: AccountExport, ...commonErrors },
    },
  }, async (request, reply) => {
    const document = await app.services.account.export(personOf(request.principal), auditFields(request))
    // A stream: sent chunked, without content-length, and not passed through the response
    // serializer (the schema above documents the shape). The security headers come from the
    // same onSend hooks as every other response.
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-store').send(document as never)
  })
}

export default me
