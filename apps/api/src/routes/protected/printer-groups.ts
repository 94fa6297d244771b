import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { GROUP_NAME_PATTERN } from '@printforge/domain'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { ActorId, commonErrors, ErrorBody, Page, Timestamp, Uuid } from '../../schemas/common.js'

const StaffRole = Type.Union([Type.Literal('operator'), Type.Literal('admin')])
const Name = Type.String({ minLength: 1, maxLength: 120, pattern: GROUP_NAME_PATTERN })
const PrinterGroup = Type.Object({
  id: Uuid,
  name: Type.String(),
  printerIds: Type.Array(Uuid),
  staff: Type.Array(Type.Object({ userId: ActorId, role: StaffRole })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})
const One = Type.Object({ group: PrinterGroup })
const Params = Type.Object({ id: Uuid })
const NameBody = Type.Object({ name: Name }, { additionalProperties: false })

/** docs/product.md §5.4 printer groups (global admins only; group staff are refused by role). */
const printerGroups: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.printerGroups

  app.get('/', {
    config: { roles: ['admin'] },
    schema: { operationId: 'listPrinterGroups', response: { 200: Page(PrinterGroup), ...commonErrors } },
  }, async (request) => ({ items: await service.list(request.principal!), nextCursor: null }))

  app.post('/', {
    config: { roles: ['admin'], rateLimit: { max: 30, timeWindow: 60_000 } },
    schema: { operationId: 'createPrinterGroup', body: NameBody, response: { 201: One, 409: ErrorBody, ...commonErrors } },
  }, async (request, reply) => reply.code(201).send({ group: await service.create(request.principal!, request.body.name, auditFields(request)) }))

  app.patch('/:id', {
    config: { roles: ['admin'] },
    schema: { operationId: 'renamePrinterGroup', params: Params, body: NameBody, response: { 200: One, 409: ErrorBody, ...commonErrors } },
  }, async (request) => ({ group: await service.rename(request.principal!, request.params.id, request.body.name, auditFields(request)) }))

  app.delete('/:id', {
    config: { roles: ['admin'] },
    schema: { operationId: 'deletePrinterGroup', params: Params, response: { 204: Type.Null(), ...commonErrors } },
  }, async (request, reply) => {
    await service.remove(request.principal!, request.params.id, auditFields(request))
    return reply.code(204).send(null)
  })

  const PrinterParams = Type.Object({ id: Uuid, printerId: Uuid })
  app.put('/:id/printers/:printerId', {
    config: { roles: ['admin'] },
    schema: { operationId: 'addPrinterToGroup', params: PrinterParams, response: { 200: One, ...commonErrors } },
  }, async (request) => ({ group: await service.addPrinter(request.principal!, request.params.id, request.params.printerId, auditFields(request)) }))

  app.delete('/:id/printers/:printerId', {
    config: { roles: ['admin'] },
    schema: { operationId: 'removePrinterFromGroup', params: PrinterParams, response: { 200: One, ...commonErrors } },
  }, async (request) => ({ group: await service.removePrinter(request.principal!, request.params.id, request.params.printerId, auditFields(request)) }))

  const StaffParams = Type.Object({ id: Uuid, userId: ActorId })
  app.put('/:id/staff/:userId', {
    config: { roles: ['admin'] },
    schema: {
      operationId: 'grantGroupRole',
      params: StaffParams,
      body: Type.Object({ role: StaffRole }, { additionalProperties: false }),
      response: { 200: One, 409: ErrorBody, ...commonErrors },
    },
  }, async (request) => ({ group: await service.grant(request.principal!, request.params.id, request.params.userId, request.body.role, auditFields(request)) }))

  app.delete('/:id/staff/:userId', {
    config: { roles: ['admin'] },
    schema: { operationId: 'revokeGroupRole', params: StaffParams, response: { 200: One, ...commonErrors } },
  }, async (request) => ({ group: await service.revoke(request.principal!, request.params.id, request.params.userId, auditFields(request)) }))
}

export default printerGroups
