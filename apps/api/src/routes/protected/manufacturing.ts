import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError } from '@printforge/errors'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { receiveModel } from '../../lib/upload/model-upload.js'
import { commonErrors, ErrorBody, Page, PageQuery, Uuid } from '../../schemas/common.js'
import { CreatedManufacturingJob, ManufacturingJob, ManufacturingStatus } from '../../schemas/manufacturing.js'
import { parseIdempotencyKey } from '../../services/idempotency.js'

const Params = Type.Object({ id: Uuid })

/**
 * POST /manufacturing/create, in a scope of its own: multipart parsing is registered here only.
 * Every other route answers 415 to a multipart body (a CORS "simple" content type: a multipart
 * POST to /:id/cancel used to cancel the job).
 */
const createPrint: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.manufacturing
  await app.register(multipart, { throwFileSizeLimit: true })

  app.post('/create', {
    config: { roles: ['admin'], rateLimit: { max: 5, timeWindow: 60_000 } },
    schema: {
      operationId: 'dispatchPrint',
      consumes: ['multipart/form-data'],
      response: { 202: CreatedManufacturingJob, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, ...commonErrors },
    },
  }, async (request, reply) => {
    if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data.')
    if (!app.store.health.up) throw new AppError('UNAVAILABLE', 'File storage is unavailable; retry shortly.')
    const key = parseIdempotencyKey(request.headers['idempotency-key'])
    let received
    try {
      received = await receiveModel(request, app.config.MAX_MODEL_BYTES)
    } catch (err) {
      reply.header('connection', 'close') // do not read the rest of a refused upload
      throw err
    }
    try {
      const { created, response, id } = await service.create(request.principal!, received, key, auditFields(request))
      if (created && id) await app.queues.enqueueAfterCommit('print.dispatch', { manufacturingJobId: id }, id)
      return reply.code(response.statusCode).send(response.body as never)
    } finally {
      await received.cleanup()
    }
  })
}

/** docs/product.md §4.5 print jobs. */
const manufacturing: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.manufacturing
  await app.register(createPrint)

  app.get('/', {
    config: { roles: ['operator', 'admin'] },
    schema: {
      operationId: 'listPrintJobs',
      querystring: Type.Object({ ...PageQuery, status: Type.Optional(ManufacturingStatus) }, { additionalProperties: false }),
      response: { 200: Page(ManufacturingJob), ...commonErrors },
    },
  }, async (request) => service.list(request.principal!, request.query))

  app.get('/:id', {
    config: { roles: ['operator', 'admin'] },
    schema: { operationId: 'getPrintJob', params: Params, response: { 200: Type.Object({ manufacturingJob: ManufacturingJob }), ...commonErrors } },
  }, async (request) => ({ manufacturingJob: await service.get(request.principal!, request.params.id) }))

  app.post('/:id/cancel', {
    config: { roles: ['operator', 'admin'] },
    schema: {
      operationId: 'cancelPrintJob',
      params: Params,
      response: { 200: Type.Object({ manufacturingJob: Type.Object({ id: Uuid, status: Type.Literal('cancelled') }) }), 409: ErrorBody, ...commonErrors },
    },
  }, async (request) => {
    const { id, status, wasRunning } = await service.cancel(request.principal!, request.params.id, auditFields(request))
    // A queued job never reached a printer; anything later may be printing: ask the worker to stop it.
    if (wasRunning) await app.queues.enqueueAfterCommit('print.cancel', { manufacturingJobId: id }, `${id}`)
    return { manufacturingJob: { id, status } }
  })
}

export default manufacturing
