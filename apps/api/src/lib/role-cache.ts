import { readOnce } from '@printforge/db'
import type pg from 'pg'
import type { Role } from './principal.js'

/**
 * Staff roles come from our staff table on every request (never from token claims), cached for a
 * few seconds: a revoked role stops working within the TTL (PRODUCT: within 5 s).
 */
export function createRoleCache(pool: pg.Pool, ttlMs: number) {
  const cache = new Map<string, { role: Role; expires: number }>()
  return {
    async roleOf(userId: string): Promise<Role> {
      const now = Date.now()
      const hit = cache.get(userId)
      if (hit && hit.expires > now) return hit.role
      // The 'user' context may read only the caller's own staff row (policy staff_read).
      const [row] = await readOnce<{ role: 'operator' | 'admin' }>(pool, { actorId: userId, role: 'user' }, 'SELECT role FROM staff WHERE user_id = $1', [userId])
      const role: Role = row?.role ?? 'none'
      if (cache.size > 10_000) cache.clear()
      cache.set(userId, { role, expires: now + ttlMs })
      return role
    },
    forget(userId: string) {
      cache.delete(userId)
    },
  }
}

export type RoleCache = ReturnType<typeof createRoleCache>
