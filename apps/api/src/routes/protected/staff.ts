import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { ActorId, commonErrors, ErrorBody, Page, Timestamp } from '../../schemas/common.js'

const StaffRole = Type.Union([Type.Literal('operator'), Type.Literal('admin')])
const Staff = Type.Object({ userId: ActorId, role: StaffRole, grantedBy: Type.String(), createdAt: Timestamp, updatedAt: Timestamp })

/** docs/product.md §4.6 (admin). */
const staff: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { roles: ['admin'] },
    schema: { operationId: 'listStaff', response: { 200: Page(Staff), ...commonErrors } },
  }, async (request) => ({ items: await app.services.staff.list(request.principal!), nextCursor: null }))

  app.put('/:userId', {
    config: { roles: ['admin'] },
    schema: {
      operationId: 'setStaffRole',
      params: Type.Object({ userId: ActorId }),
      body: Type.Object({ role: StaffRole }, { additionalProperties: false }),
      response: { 200: Type.Object({ staff: Staff }), 409: ErrorBody, ...commonErrors },
    },
  }, async (request) => ({ staff: await app.services.staff.set(request.principal!, request.params.userId, request.body.role, auditFields(request)) }))

  app.delete('/:userId', {
    config: { roles: ['admin'] },
    schema: { operationId: 'revokeStaff', params: Type.Object({ userId: ActorId }), response: { 204: Type.Null(), 409: ErrorBody, ...commonErrors } },
  }, async (request, reply) => {
    await app.services.staff.remove(request.principal!, request.params.userId, auditFields(request))
    return reply.code(204).send(null)
  })
}

export default staff
