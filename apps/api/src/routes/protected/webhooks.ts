import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditFields } from '../../lib/audit.js'
import { commonErrors, ErrorBody, OneOf, Page, PageQuery, Uuid } from '../../schemas/common.js'
import {
  CreateWebhookBody, DELIVERY_STATUSES, RotateSecretBody, UpdateWebhookBody, WebhookDelivery, WebhookEndpoint, WebhookSecret,
} from '../../schemas/webhooks.js'

const Params = Type.Object({ id: Uuid })
const One = Type.Object({ endpoint: WebhookEndpoint })
const WithSecret = Type.Object({ endpoint: WebhookEndpoint, secret: WebhookSecret })
// Admins, and keys with webhooks:manage (docs/integrations.md); writes get a stricter limit.
const manage = { roles: ['admin'] as const, scopes: ['webhooks:manage'] as const }
const write = { ...manage, rateLimit: { max: 30, timeWindow: 60_000 } }

/** docs/integrations.md "Webhooks". Secrets appear only in the 201 of create and rotate-secret. */
const webhooks: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.webhooks

  app.post('/', {
    config: write,
    schema: { operationId: 'createWebhook', body: CreateWebhookBody, response: { 201: WithSecret, ...commonErrors } },
  }, async (request, reply) => reply.code(201).send(await service.create(request.principal!, request.body, auditFields(request))))

  app.get('/', {
    config: manage,
    schema: { operationId: 'listWebhooks', response: { 200: Type.Object({ items: Type.Array(WebhookEndpoint) }), ...commonErrors } },
  }, async (request) => ({ items: await service.list(request.principal!) }))

  app.get('/:id', {
    config: manage,
    schema: { operationId: 'getWebhook', params: Params, response: { 200: One, ...commonErrors } },
  }, async (request) => ({ endpoint: await service.get(request.principal!, request.params.id) }))

  app.patch('/:id', {
    config: write,
    schema: { operationId: 'updateWebhook', params: Params, body: UpdateWebhookBody, response: { 200: One, ...commonErrors } },
  }, async (request) => ({ endpoint: await service.update(request.principal!, request.params.id, request.body, auditFields(request)) }))

  app.delete('/:id', {
    config: write,
    schema: { operationId: 'deleteWebhook', params: Params, response: { 204: Type.Null(), ...commonErrors } },
  }, async (request, reply) => {
    await service.remove(request.principal!, request.params.id, auditFields(request))
    return reply.code(204).send(null)
  })

  app.post('/:id/rotate-secret', {
    config: write,
    schema: { operationId: 'rotateWebhookSecret', params: Params, body: Type.Optional(RotateSecretBody), response: { 201: WithSecret, ...commonErrors } },
  }, async (request, reply) => reply.code(201).send(await service.rotate(request.principal!, request.params.id, request.body?.overlapSeconds, auditFields(request))))

  app.get('/:id/deliveries', {
    config: manage,
    schema: {
      operationId: 'listWebhookDeliveries',
      params: Params,
      querystring: Type.Object({ ...PageQuery, status: Type.Optional(OneOf(DELIVERY_STATUSES)) }, { additionalProperties: false }),
      response: { 200: Page(WebhookDelivery), ...commonErrors },
    },
  }, async (request) => service.deliveries(request.principal!, request.params.id, request.query))

  app.post('/:id/deliveries/:deliveryId/replay', {
    config: write,
    schema: {
      operationId: 'replayWebhookDelivery',
      params: Type.Object({ id: Uuid, deliveryId: Uuid }),
      response: { 200: Type.Object({ delivery: WebhookDelivery }), 409: ErrorBody, ...commonErrors },
    },
  }, async (request) => ({ delivery: await service.replay(request.principal!, request.params.id, request.params.deliveryId, auditFields(request)) }))
}

export default webhooks
