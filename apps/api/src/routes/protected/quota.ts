import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { ActorId, commonErrors, Timestamp } from '../../schemas/common.js'

const Quota = Type.Object({ quota: Type.Object({ monthlyLimit: Type.Integer(), used: Type.Integer(), remaining: Type.Integer(), resetsAt: Timestamp }) })

/** docs/product.md §4.3 */
const quota: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { roles: ['customer'] },
    schema: { operationId: 'getQuota', response: { 200: Quota, ...commonErrors } },
  }, async (request) => ({ quota: await app.services.quota.get(request.principal!) }))

  app.put('/:customerId', {
    config: { roles: ['admin'] },
    schema: {
      operationId: 'setQuota',
      params: Type.Object({ customerId: ActorId }),
      body: Type.Object({ monthlyLimit: Type.Integer({ minimum: 0, maximum: 100_000 }) }, { additionalProperties: false }),
      response: { 200: Quota, ...commonErrors },
    },
  }, async (request) => ({
    quota: await app.services.quota.set(request.principal!, request.params.customerId, request.body.monthlyLimit, auditFields(request)),
  }))
}

export default quota
