import { WEBHOOK_EVENT_TYPES } from '@printforge/domain'
import { Type } from 'typebox'
import { OneOf, Text, Timestamp, Uuid } from './common.js'

/** docs/integrations.md "Webhooks". The URL's form and addresses are checked by the service (SSRF). */
const Url = Type.String({ minLength: 8, maxLength: 2048, pattern: '^[^\\u0000-\\u0020\\u007f]*$' })
const Events = Type.Array(OneOf(WEBHOOK_EVENT_TYPES), { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true })
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

export const WebhookEndpoint = Type.Object({
  id: Uuid,
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** Which secrets sign now (never their values): the current one has no expiresAt. */
  secrets: Type.Array(Type.Object({ id: Uuid, createdAt: Timestamp, expiresAt: Nullable(Timestamp) })),
})

export const CreateWebhookBody = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Text(255)) },
  { additionalProperties: false },
)

export const UpdateWebhookBody = Type.Object(
  { url: Type.Optional(Url), events: Type.Optional(Events), enabled: Type.Optional(Type.Boolean()), description: Type.Optional(Type.Union([Text(255), Type.Null()])) },
  { additionalProperties: false, minProperties: 1 },
)

export const RotateSecretBody = Type.Object(
  { overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86_400 })) },
  { additionalProperties: false },
)

/** `whsec_…`: shown once, at creation or rotation. */
export const WebhookSecret = Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]+$' })

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const
export const WebhookDelivery = Type.Object({
  id: Uuid,
  eventId: Type.String(),
  eventType: Type.String(),
  endpointId: Uuid,
  status: OneOf(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Timestamp),
  lastAttemptAt: Nullable(Timestamp),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Nullable(Type.String()),
  responseSnippet: Nullable(Type.String()),
  deliveredAt: Nullable(Timestamp),
  createdAt: Timestamp,
})
