import { withTx, type Database } from '@printforge/db'
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyInput, type ApiKeyRecord } from '@printforge/domain'
import type { Static } from 'typebox'
import type { ApiKeyCache } from '../lib/api-key-cache.js'
import { auditActor, dbContextOf, type Principal } from '../lib/principal.js'
import type { ApiKey } from '../schemas/api-keys.js'
import type { RequestMeta } from './types.js'

type ApiKeyView = Static<typeof ApiKey>

const iso = (d: Date | null) => d?.toISOString() ?? null
const toView = (k: ApiKeyRecord): ApiKeyView => ({
  ...k, expiresAt: iso(k.expiresAt), revokedAt: iso(k.revokedAt), lastUsedAt: iso(k.lastUsedAt), createdAt: k.createdAt.toISOString(),
})

/** docs/integrations.md "API keys": admins create, list and revoke machine clients' keys. */
export function createApiKeyService(deps: { db: Pick<Database, 'prisma'>; keys: Pick<ApiKeyCache, 'forget'> }) {
  const { db } = deps
  return {
    async create(p: Principal, body: { name: string; scopes: string[]; expiresAt?: string; allowedCidrs?: string[] }, meta: RequestMeta) {
      const input: ApiKeyInput = { ...body, expiresAt: body.expiresAt === undefined ? null : new Date(body.expiresAt) }
      const { apiKey, key } = await withTx(db.prisma, dbContextOf(p), (tx) => createApiKey(tx, input, auditActor(p), meta))
      return { apiKey: toView(apiKey), key }
    },

    list: async (p: Principal) => ({ items: (await withTx(db.prisma, dbContextOf(p), (tx) => listApiKeys(tx))).map(toView) }),

    async revoke(p: Principal, id: string, meta: RequestMeta) {
      const { apiKey } = await withTx(db.prisma, dbContextOf(p), (tx) => revokeApiKey(tx, id, auditActor(p), meta))
      // At once on this instance; other instances within their cache TTL (ROLE_CACHE_TTL_MS).
      deps.keys.forget(id)
      return toView(apiKey)
    },
  }
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>
