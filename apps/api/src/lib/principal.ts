import type { DbContext } from '@printforge/db'

/** Roles an authenticated caller may hold (docs/product.md §1). A Medusa user without a staff row is 'none'. */
export type Role = 'customer' | 'operator' | 'admin' | 'none'

/** Who is calling: identity from the verified token, role from our staff table (never from claims). */
export interface Principal {
  actorType: 'customer' | 'user'
  actorId: string
  role: Role
}

export const isStaff = (p: Principal) => p.role === 'operator' || p.role === 'admin'

/** The row-level-security context for this principal's transactions. */
export function dbContextOf(p: Principal): DbContext {
  if (p.actorType === 'customer') return { actorId: p.actorId, role: 'customer' }
  if (p.role === 'operator' || p.role === 'admin') return { actorId: p.actorId, role: p.role }
  return { actorId: p.actorId, role: 'user' }
}

/** The audit actor fields for this principal. */
export const auditActor = (p: Principal) => ({ actorType: p.actorType, actorId: p.actorId }) as const
