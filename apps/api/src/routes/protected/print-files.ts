import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { receiveModel } from '../../lib/upload/model-upload.js'
import { uploadScope } from '../../lib/upload/multipart-scope.js'
import { commonErrors, ErrorBody, Page, PageQuery, Uuid } from '../../schemas/common.js'
import { PrintFile } from '../../schemas/orders.js'
import { PRINT_FILE_FIELDS } from '../../services/print-files.service.js'

const Params = Type.Object({ id: Uuid })

/** POST /print-files, in an upload scope of its own (lib/upload/multipart-scope.ts), like POST /manufacturing/create. */
const createPrintFile: FastifyPluginAsyncTypebox = async (app) => {
  await uploadScope(app)

  app.post('/', {
    config: { roles: ['admin'], rateLimit: { max: 5, timeWindow: 60_000 } },
    schema: {
      operationId: 'createPrintFile',
      consumes: ['multipart/form-data'],
      response: { 201: Type.Object({ printFile: PrintFile }), 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, ...commonErrors },
    },
  }, async (request, reply) => {
    const printFile = await app.services.printFiles.create(request.principal!, () =>
      app.metrics.observeUpload('model', receiveModel(request, app.config.MAX_MODEL_BYTES, PRINT_FILE_FIELDS), (model) => [model.file.bytes]), auditFields(request))
    return reply.code(201).send({ printFile })
  })
}

/** docs/integrations.md "Orders": sliced models that order approval prints from. */
const printFiles: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.printFiles
  await app.register(createPrintFile)

  app.get('/', {
    config: { roles: ['operator', 'admin'] },
    schema: {
      operationId: 'listPrintFiles',
      querystring: Type.Object({ ...PageQuery, productRef: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' })) }, { additionalProperties: false }),
      response: { 200: Page(PrintFile), ...commonErrors },
    },
  }, async (request) => service.list(request.principal!, request.query))

  app.delete('/:id', {
    config: { roles: ['admin'] },
    schema: { operationId: 'deletePrintFile', params: Params, response: { 204: Type.Null(), ...commonErrors } },
  }, async (request, reply) => {
    await service.remove(request.principal!, request.params.id, auditFields(request))
    return reply.code(204).send(null)
  })
}

export default printFiles
