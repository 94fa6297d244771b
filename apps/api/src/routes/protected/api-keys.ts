import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { ApiKey, ApiKeyId, CreateApiKeyBody } from '../../schemas/api-keys.js'
import { commonErrors } from '../../schemas/common.js'

const Params = Type.Object({ id: ApiKeyId })

/**
 * docs/integrations.md "API keys": admins manage machine clients' keys. No scope reaches these
 * routes (config.scopes is absent on purpose): a key can never mint or revoke keys.
 */
const apiKeys: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.apiKeys

  app.post('/', {
    config: { roles: ['admin'], rateLimit: { max: 30, timeWindow: 60_000 } },
    schema: {
      operationId: 'createApiKey',
      description: 'The response carries `key` once; only its SHA-256 is stored.',
      body: CreateApiKeyBody,
      response: { 201: Type.Object({ apiKey: ApiKey, key: Type.String({ pattern: '^pf_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$' }) }), ...commonErrors },
    },
  }, async (request, reply) => reply.code(201).send(await service.create(request.principal!, request.body, auditFields(request))))

  app.get('/', {
    config: { roles: ['admin'] },
    schema: { operationId: 'listApiKeys', response: { 200: Type.Object({ items: Type.Array(ApiKey) }), ...commonErrors } },
  }, async (request) => service.list(request.principal!))

  app.delete('/:id', {
    config: { roles: ['admin'] },
    schema: {
      operationId: 'revokeApiKey',
      description: 'Revokes the key (the row is kept); its next request is 401. Revoking a revoked key changes nothing.',
      params: Params,
      response: { 204: Type.Null(), ...commonErrors },
    },
  }, async (request, reply) => {
    await service.revoke(request.principal!, request.params.id, auditFields(request))
    return reply.code(204).send(null)
  })
}

export default apiKeys
