import { API_KEY_NAME_MAX, API_KEY_SCOPES, MAX_ALLOWED_CIDRS } from '@printforge/domain'
import { Type } from 'typebox'
import { OneOf, Timestamp } from './common.js'

/** The public `<id>` of `pf_<id>_<secret>`. */
export const ApiKeyId = Type.String({ pattern: '^[a-z2-7]{12}$' })
export const ApiKeyScope = OneOf(API_KEY_SCOPES)

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

/** A key as admins see it (docs/integrations.md "API keys"): never the key, never its digest. */
export const ApiKey = Type.Object({
  id: ApiKeyId,
  name: Type.String(),
  scopes: Type.Array(ApiKeyScope),
  allowedCidrs: Type.Array(Type.String()),
  expiresAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
  revokedBy: Nullable(Type.String()),
  lastUsedAt: Nullable(Timestamp),
  lastUsedIp: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Timestamp,
})

/** Shapes only; packages/domain validates meaning (future expiry, CIDR ranges) for the CLI too. */
export const CreateApiKeyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: API_KEY_NAME_MAX, pattern: '^[^\\u0000-\\u001f\\u007f]*$' }),
  scopes: Type.Array(ApiKeyScope, { minItems: 1, maxItems: API_KEY_SCOPES.length, uniqueItems: true }),
  expiresAt: Type.Optional(Timestamp),
  allowedCidrs: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: MAX_ALLOWED_CIDRS })),
}, { additionalProperties: false })
