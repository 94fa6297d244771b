import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { commonErrors, ErrorBody, Page, PageQuery, Uuid } from '../../schemas/common.js'
import { Printer, PrinterCommandBody, RegisterPrinterBody, UpdatePrinterBody } from '../../schemas/printers.js'

const Params = Type.Object({ id: Uuid })
const One = Type.Object({ printer: Printer })

/** docs/product.md §4.4 */
const printers: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.printers

  app.post('/', {
    config: { roles: ['admin'] },
    schema: { operationId: 'registerPrinter', body: RegisterPrinterBody, response: { 201: One, 409: ErrorBody, ...commonErrors } },
  }, async (request, reply) => reply.code(201).send({ printer: await service.register(request.principal!, request.body, auditFields(request)) }))

  app.get('/', {
    config: { roles: ['operator', 'admin', 'group_operator', 'group_admin'], scopes: ['printers:read'] },
    schema: { operationId: 'listPrinters', querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Page(Printer), ...commonErrors } },
  }, async (request) => service.list(request.principal!, request.query))

  app.get('/:id', {
    config: { roles: ['operator', 'admin', 'group_operator', 'group_admin'], scopes: ['printers:read'] },
    schema: { operationId: 'getPrinter', params: Params, response: { 200: One, ...commonErrors } },
  }, async (request) => ({ printer: await service.get(request.principal!, request.params.id) }))

  app.patch('/:id', {
    config: { roles: ['admin'] },
    schema: { operationId: 'updatePrinter', params: Params, body: UpdatePrinterBody, response: { 200: One, ...commonErrors } },
  }, async (request) => ({ printer: await service.update(request.principal!, request.params.id, request.body, auditFields(request)) }))

  app.delete('/:id', {
    config: { roles: ['admin'] },
    schema: { operationId: 'deletePrinter', params: Params, response: { 204: Type.Null(), 409: ErrorBody, ...commonErrors } },
  }, async (request, reply) => {
    await service.remove(request.principal!, request.params.id, auditFields(request))
    return reply.code(204).send(null)
  })

  app.post('/:id/commands', {
    config: { roles: ['operator', 'admin', 'group_operator', 'group_admin'], rateLimit: { max: 30, timeWindow: 60_000 } },
    schema: {
      operationId: 'commandPrinter',
      params: Params,
      body: PrinterCommandBody,
      response: { 202: Type.Object({ printerId: Uuid, command: Type.String(), status: Type.Literal('queued') }), ...commonErrors },
    },
  }, async (request, reply) => reply.code(202).send(await service.command(request.principal!, request.params.id, request.body.command, auditFields(request))))
}

export default printers
