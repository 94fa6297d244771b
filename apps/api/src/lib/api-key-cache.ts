import { readOnce } from '@printforge/db'
import { compileAllowedCidrs, isApiKeyScope, type ApiKeyScope } from '@printforge/domain'
import type pg from 'pg'
import { createLookupCache } from './lookup-cache.js'

/** What authentication needs of a key's row (never more: the digest stays in this module's cache). */
export interface ApiKeyStanding {
  keyHash: string
  scopes: ApiKeyScope[]
  expiresAt: number | null
  revoked: boolean
  /** Whether a client address may use the key (allowed_cidrs, compiled once per lookup). */
  allows(ip: string): boolean
}

// The key's own row, read under the key's own context (policy key_lookup): authentication needs
// no wider right than that.
const LOOKUP_SQL = `SELECT key_hash, scopes, allowed_cidrs, floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms,
  revoked_at IS NOT NULL AS revoked FROM api_keys WHERE id = $1`

interface Row { key_hash: string; scopes: string[]; allowed_cidrs: string[]; expires_ms: number | null; revoked: boolean }

/**
 * Every request with a key needs its row. One read-only round trip per key id (readOnce, under
 * the key's own RLS context), cached for `ttlMs` (ROLE_CACHE_TTL_MS) like people's standing in
 * role-cache.ts: a key revoked elsewhere stops working within the TTL on every instance, and at
 * once on the instance that revoked it (forget). Expiry is compared on every request, never cached.
 * Unknown ids are cached too (as null), so a client retrying a wrong key costs no more lookups;
 * the failed-authentication budget per IP bounds how many distinct ids one client can try.
 */
export function createApiKeyCache(pool: pg.Pool, ttlMs: number) {
  const cache = createLookupCache(ttlMs, load)

  async function load(id: string): Promise<ApiKeyStanding | null> {
    const [row] = await readOnce<Row>(pool, { actorId: id, role: 'api_key' }, LOOKUP_SQL, [id])
    if (!row) return null
    return {
      keyHash: row.key_hash,
      scopes: row.scopes.filter(isApiKeyScope),
      expiresAt: row.expires_ms,
      revoked: row.revoked,
      allows: compileAllowedCidrs(row.allowed_cidrs),
    }
  }

  return {
    standingOf: (id: string): Promise<ApiKeyStanding | null> => cache.get(id),
    /** Drops a key's entry after it was revoked on this instance: its next request reads the row. */
    forget: (id: string) => cache.forget(id),
  }
}

export type ApiKeyCache = ReturnType<typeof createApiKeyCache>
