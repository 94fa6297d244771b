import type { DbContext } from '@printforge/db'
import { isGroupRole, type ApiKeyScope, type GroupGrant } from '@printforge/domain'

/**
 * Roles an authenticated caller may hold (docs/product.md §1). A Medusa user without a staff row is
 * 'none'; a machine client is 'api_key' and is authorized by its scopes, never by a role list.
 * 'group_operator' / 'group_admin': staff with roles in some printer groups only (§5.4); a route
 * admits them only when it lists them.
 */
export type Role = 'customer' | 'operator' | 'admin' | 'group_operator' | 'group_admin' | 'none' | 'api_key'

/** A person, from a verified Medusa token; the role comes from our staff table (never from claims). */
export interface PersonPrincipal {
  actorType: 'customer' | 'user'
  actorId: string
  role: Exclude<Role, 'api_key'>
  /**
   * The verified token's iat and exp (whole epoch seconds), for what outlives one request: a
   * GET /live stream ends at exp and re-checks the revocation cut-off against iat. Set by the
   * auth hook; absent on principals built outside a request.
   */
  token?: { issuedAt: number; expiresAt: number }
  /** The caller's printer-group roles (none for a global role: it holds in all groups). */
  groups?: readonly GroupGrant[]
}

/** A machine client, from an API key (docs/integrations.md): actorId is the key's public id. */
export interface ApiKeyPrincipal {
  actorType: 'api_key'
  actorId: string
  role: 'api_key'
  scopes: readonly ApiKeyScope[]
}

/** Who is calling. */
export type Principal = PersonPrincipal | ApiKeyPrincipal

export const isStaff = (p: Principal) => p.role === 'operator' || p.role === 'admin'

/** Staff whose role holds in some printer groups only. */
export const isGroupStaff = (p: Principal) => isGroupRole(p.role)

/** The row-level-security context for this principal's transactions. */
export function dbContextOf(p: Principal): DbContext {
  if (p.actorType === 'api_key') return { actorId: p.actorId, role: 'api_key' }
  if (p.actorType === 'customer') return { actorId: p.actorId, role: 'customer' }
  if (p.role === 'operator' || p.role === 'admin') return { actorId: p.actorId, role: p.role }
  // Group staff run as a plain 'user' context: the database reads their group grants itself, so
  // no context the API could set widens them beyond those grants.
  return { actorId: p.actorId, role: 'user' }
}

/** The audit actor fields for this principal. */
export const auditActor = (p: Principal) => ({ actorType: p.actorType, actorId: p.actorId }) as const

/**
 * The person behind a request to a route no key may call (it declares no scopes, so the
 * authorization hook has already refused keys); throws if that guarantee were ever broken.
 */
export function personOf(p: Principal | null): PersonPrincipal {
  if (!p || p.actorType === 'api_key') throw new Error('a person-only route was reached without a person principal')
  return p
}
