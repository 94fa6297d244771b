import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SCAN_CANCELLED } from '@printforge/domain'
import { Type } from 'typebox'
import { auditFields } from '../../../lib/audit.js'
import { ActorId, commonErrors, ErrorBody, PageQuery, Timestamp, Uuid } from '../../../schemas/common.js'
import { JobDetail, JobPage, JobParams } from '../../../schemas/jobs.js'
import createJob from './create.js'

/**
 * docs/product.md §4.2: scan jobs. Customers own theirs; staff read all (and each read is audited),
 * and so do API keys with jobs:read, one job at a time (docs/integrations.md).
 */
const jobs: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.scanJobs
  await app.register(createJob)

  app.get('/', {
    config: { roles: ['customer', 'operator', 'admin'] },
    schema: {
      operationId: 'listJobs',
      querystring: Type.Object({ ...PageQuery, customerId: Type.Optional(ActorId) }, { additionalProperties: false }),
      response: { 200: JobPage, ...commonErrors },
    },
  }, async (request) => service.list(request.principal!, request.query, auditFields(request)))

  app.get('/:id', {
    config: { roles: ['customer', 'operator', 'admin'], scopes: ['jobs:read'] },
    schema: { operationId: 'getJob', params: JobParams, response: { 200: Type.Object({ job: JobDetail }), ...commonErrors } },
  }, async (request) => ({ job: await service.get(request.principal!, request.params.id, auditFields(request)) }))

  app.post('/:id/cancel', {
    config: { roles: ['customer', 'admin'] },
    schema: {
      operationId: 'cancelJob',
      params: JobParams,
      response: { 200: Type.Object({ job: Type.Object({ id: Uuid, status: Type.Literal(SCAN_CANCELLED) }) }), 409: ErrorBody, ...commonErrors },
    },
  }, async (request) => ({ job: await service.cancel(request.principal!, request.params.id, auditFields(request), request.log) }))

  app.delete('/:id', {
    config: { roles: ['customer'] },
    schema: { operationId: 'deleteJob', params: JobParams, response: { 204: Type.Null(), 409: ErrorBody, ...commonErrors } },
  }, async (request, reply) => {
    await service.remove(request.principal!, request.params.id, auditFields(request), request.log)
    return reply.code(204).send(null)
  })

  app.get('/:id/images/:imageId', {
    config: { roles: ['customer', 'operator', 'admin'] },
    schema: {
      operationId: 'getImageUrl',
      params: Type.Object({ id: Uuid, imageId: Uuid }),
      response: { 200: Type.Object({ url: Type.String(), expiresAt: Timestamp }), 409: ErrorBody, ...commonErrors },
    },
  }, async (request) => service.imageUrl(request.principal!, request.params.id, request.params.imageId, auditFields(request)))
}

export default jobs
