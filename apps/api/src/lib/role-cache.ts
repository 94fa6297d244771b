import { readOnce, type StaffRole } from '@printforge/db'
import { standingRole, type GroupGrant } from '@printforge/domain'
import { createLookupCache } from './lookup-cache.js'
import type pg from 'pg'
import type { MedusaIdentity } from './medusa-claims.js'
import type { Role } from './principal.js'
import type { RevocationSnapshot } from './revocation-snapshot.js'

/** What the database says about an authenticated actor, beyond what its token claims. */
export interface ActorStanding {
  /** From the staff table for users ('none' without a row); always 'customer' for customers. */
  role: Exclude<Role, 'api_key'>
  /** Printer-group roles of a user without a global role (docs/product.md §5.4); else empty. */
  groups: readonly GroupGrant[]
  /**
   * Whole epoch second of the actor's token cut-off: a token whose `iat` is at or before it is
   * revoked. null when the actor's tokens were never revoked.
   */
  revokedThrough: number | null
}

// One row whatever exists; floor() because iat has whole-second resolution (see isRevoked).
const CUT_OFF = (actorType: 'customer' | 'user') =>
  `(SELECT floor(extract(epoch FROM revoked_before))::float8 FROM token_revocations WHERE actor_type = '${actorType}' AND actor_id = $1)`
// Group grants are read under the user's own context (staff_group_roles: own rows; printer_groups:
// the groups it holds a role in), in the same round trip.
const GROUPS = `(SELECT COALESCE(json_agg(json_build_object('groupId', r.group_id, 'name', g.name, 'role', r.role) ORDER BY g.name, r.group_id), '[]')
   FROM staff_group_roles r JOIN printer_groups g ON g.id = r.group_id WHERE r.user_id = $1)`
const USER_SQL = `SELECT (SELECT role::text FROM staff WHERE user_id = $1) AS role, ${GROUPS} AS groups, ${CUT_OFF('user')} AS revoked_through`
const CUSTOMER_SQL = `SELECT 'customer' AS role, ${CUT_OFF('customer')} AS revoked_through`

/**
 * Revocation precision. The cut-off is the database's now() at revocation, and `iat` counts whole
 * seconds, so a token issued in the cut-off's own second may predate the revocation: it is
 * refused (`iat <= floor(cut-off)`); a token issued in any later second passes. No clock-skew
 * tolerance is applied here, since tolerance would re-admit tokens issued just before the
 * revocation: this compares Medusa's clock (iat) with the database's, which NTP keeps together.
 */
// Cache keys are `<actorType>:<actorId>`; Medusa ids contain no colon before the first one we add.
const splitKey = (key: string) => {
  const at = key.indexOf(':')
  return [key.slice(0, at) as MedusaIdentity['actorType'], key.slice(at + 1)] as const
}

export const isRevoked = (iat: number, standing: ActorStanding) => standing.revokedThrough !== null && iat <= standing.revokedThrough

/**
 * Every authenticated request needs the caller's standing: its staff role (never from claims)
 * and its token cut-off. Both come from one read-only round trip per actor (readOnce), under the
 * actor's own RLS context, cached for `ttlMs` (ROLE_CACHE_TTL_MS, 2 s by default): a revoked role
 * or token stops working within the TTL on every instance, and at once on the instance that
 * revoked it (forget). Concurrent misses for one actor share one lookup. An entry expires `ttlMs` after its
 * lookup *started*, so a lookup racing a revocation cannot serve "not revoked" past the TTL.
 */
export function createRoleCache(pool: pg.Pool, ttlMs: number, revocations?: Pick<RevocationSnapshot, 'cutOffOf' | 'note'>) {
  const cache = createLookupCache(ttlMs, load)

  async function load(key: string): Promise<ActorStanding> {
    const [actorType, actorId] = splitKey(key)
    const customer = actorType === 'customer'
    // A customer context reads its own customer cut-off; a 'user' context its own staff row and
    // user cut-off (policies staff_read and revocation_lookup).
    const [row] = await readOnce<{ role: StaffRole | 'customer' | null; groups?: GroupGrant[]; revoked_through: number | null }>(
      pool,
      { actorId, role: customer ? 'customer' : 'user' },
      customer ? CUSTOMER_SQL : USER_SQL,
      [actorId],
    )
    const revokedThrough = row?.revoked_through ?? null
    if (customer) return { role: 'customer', groups: [], revokedThrough }
    const global = row?.role === 'operator' || row?.role === 'admin' ? row.role : null
    // A global role holds in all groups: its group rows (the API never writes both) are ignored.
    const groups = global ? [] : (row?.groups ?? [])
    return { role: standingRole(global, groups), groups, revokedThrough }
  }

  return {
    standingOf(identity: MedusaIdentity): Promise<ActorStanding> {
      // A customer's standing is its cut-off alone: the in-memory snapshot answers without a
      // round trip (revocation-snapshot.ts), unless it is stale.
      if (identity.actorType === 'customer') {
        const revokedThrough = revocations?.cutOffOf('customer', identity.actorId)
        if (revokedThrough !== undefined) return Promise.resolve({ role: 'customer', groups: [], revokedThrough })
      }
      return cache.get(`${identity.actorType}:${identity.actorId}`)
    },
    /** Drops an actor's entry after its role or tokens changed on this instance (and notes a new cut-off). */
    forget(actorType: 'customer' | 'user', actorId: string, revokedBefore?: Date) {
      cache.forget(`${actorType}:${actorId}`)
      if (revokedBefore) revocations?.note(actorType, actorId, revokedBefore)
    },
  }
}

export type RoleCache = ReturnType<typeof createRoleCache>
