import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { parseIdempotencyKey, PRINT_CANCELLED } from '@printforge/domain'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { receiveModel } from '../../lib/upload/model-upload.js'
import { uploadScope } from '../../lib/upload/multipart-scope.js'
import { commonErrors, ErrorBody, Page, PageQuery, Uuid } from '../../schemas/common.js'
import { CreatedManufacturingJob, ManufacturingJob, ManufacturingStatus } from '../../schemas/manufacturing.js'

const Params = Type.Object({ id: Uuid })

/** POST /manufacturing/create, in an upload scope of its own (lib/upload/multipart-scope.ts). */
const createPrint: FastifyPluginAsyncTypebox = async (app) => {
  await uploadScope(app)

  app.post('/create', {
    config: { roles: ['admin', 'group_admin'], rateLimit: { max: 5, timeWindow: 60_000 } },
    schema: {
      operationId: 'dispatchPrint',
      consumes: ['multipart/form-data'],
      response: { 202: CreatedManufacturingJob, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, ...commonErrors },
    },
  }, async (request, reply) => {
    const { statusCode, body } = await app.services.manufacturing.dispatch(request.principal!, {
      key: parseIdempotencyKey(request.headers['idempotency-key']),
      receive: () => app.metrics.observeUpload('model', receiveModel(request, app.config.MAX_MODEL_BYTES), (model) => [model.file.bytes]),
    }, auditFields(request))
    return reply.code(statusCode).send(body as never)
  })
}

/** docs/product.md §4.5 print jobs. */
const manufacturing: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.manufacturing
  await app.register(createPrint)

  app.get('/', {
    config: { roles: ['operator', 'admin', 'group_operator', 'group_admin'] },
    schema: {
      operationId: 'listPrintJobs',
      querystring: Type.Object({ ...PageQuery, status: Type.Optional(ManufacturingStatus) }, { additionalProperties: false }),
      response: { 200: Page(ManufacturingJob), ...commonErrors },
    },
  }, async (request) => service.list(request.principal!, request.query))

  app.get('/:id', {
    config: { roles: ['operator', 'admin', 'group_operator', 'group_admin'], scopes: ['jobs:read'] },
    schema: { operationId: 'getPrintJob', params: Params, response: { 200: Type.Object({ manufacturingJob: ManufacturingJob }), ...commonErrors } },
  }, async (request) => ({ manufacturingJob: await service.get(request.principal!, request.params.id) }))

  app.post('/:id/cancel', {
    config: { roles: ['operator', 'admin', 'group_operator', 'group_admin'] },
    schema: {
      operationId: 'cancelPrintJob',
      params: Params,
      response: { 200: Type.Object({ manufacturingJob: Type.Object({ id: Uuid, status: Type.Literal(PRINT_CANCELLED) }) }), 409: ErrorBody, ...commonErrors },
    },
  }, async (request) => ({ manufacturingJob: await service.cancel(request.principal!, request.params.id, auditFields(request)) }))
}

export default manufacturing
