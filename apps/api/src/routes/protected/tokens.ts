import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { ACTOR_ID_PATTERN } from '../../lib/medusa-claims.js'
import { commonErrors, Timestamp } from '../../schemas/common.js'

const ActorType = Type.Union([Type.Literal('customer'), Type.Literal('user')])
// Only ids a Medusa token can carry: revoking anything else would protect nothing.
const TokenActorId = Type.String({ pattern: ACTOR_ID_PATTERN })

/** docs/product.md §2 (admin): revoke every token of one actor issued up to now. */
const tokens: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/revoke', {
    config: { roles: ['admin'], rateLimit: { max: 30, timeWindow: 60_000 } },
    schema: {
      operationId: 'revokeTokens',
      description: 'Tokens of the actor whose iat is at or before the second of revokedBefore are refused (401) within ROLE_CACHE_TTL_MS.',
      body: Type.Object({ actorType: ActorType, actorId: TokenActorId }, { additionalProperties: false }),
      response: {
        200: Type.Object({ revocation: Type.Object({ actorType: ActorType, actorId: TokenActorId, revokedBefore: Timestamp }) }),
        ...commonErrors,
      },
    },
  }, async (request) => ({ revocation: await app.services.tokens.revoke(request.principal!, request.body, auditFields(request)) }))
}

export default tokens
