import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { commonErrors, ErrorBody, Page, PageQuery, Uuid } from '../../schemas/common.js'
import { ApproveBody, NewOrderBody, Order, OrderStatus, RejectBody } from '../../schemas/orders.js'

const Params = Type.Object({ id: Uuid })
const OrderBody = Type.Object({ order: Order })

/** docs/integrations.md "Orders": the shop records, admins review, customers and staff follow. */
const orders: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.orders

  app.post('/', {
    // The shop's key records orders; an admin may record one by hand (roles must not be empty).
    config: { roles: ['admin'], scopes: ['orders:write'], rateLimit: { max: 120, timeWindow: 60_000 } },
    schema: {
      operationId: 'recordOrder',
      body: NewOrderBody,
      response: { 200: OrderBody, 201: OrderBody, 409: ErrorBody, ...commonErrors },
    },
  }, async (request, reply) => {
    const { created, order } = await service.record(request.principal!, request.body, auditFields(request))
    if (!created) reply.header('idempotent-replayed', 'true')
    return reply.code(created ? 201 : 200).send({ order })
  })

  app.get('/', {
    config: { roles: ['customer', 'operator', 'admin'], scopes: ['orders:read', 'orders:write'] },
    schema: {
      operationId: 'listOrders',
      querystring: Type.Object({
        ...PageQuery,
        status: Type.Optional(OrderStatus),
        externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' })),
      }, { additionalProperties: false }),
      response: { 200: Page(Order), ...commonErrors },
    },
  }, async (request) => service.list(request.principal!, request.query, auditFields(request)))

  app.get('/:id', {
    config: { roles: ['customer', 'operator', 'admin'], scopes: ['orders:read', 'orders:write'] },
    schema: { operationId: 'getOrder', params: Params, response: { 200: OrderBody, ...commonErrors } },
  }, async (request) => ({ order: await service.get(request.principal!, request.params.id, auditFields(request)) }))

  app.post('/:id/approve', {
    config: { roles: ['admin'], rateLimit: { max: 30, timeWindow: 60_000 } },
    schema: { operationId: 'approveOrder', params: Params, body: ApproveBody, response: { 200: OrderBody, 409: ErrorBody, ...commonErrors } },
  }, async (request) => ({ order: await service.approve(request.principal!, request.params.id, request.body.printFiles ?? {}, auditFields(request)) }))

  app.post('/:id/reject', {
    config: { roles: ['admin'] },
    schema: { operationId: 'rejectOrder', params: Params, body: RejectBody, response: { 200: OrderBody, 409: ErrorBody, ...commonErrors } },
  }, async (request) => ({ order: await service.reject(request.principal!, request.params.id, request.body.reason, auditFields(request)) }))
}

export default orders
