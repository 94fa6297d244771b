import { revokeTokens, withTx, type Database } from '@printforge/db'
import { auditActor, type Principal } from '../lib/principal.js'
import type { RoleCache } from '../lib/role-cache.js'
import type { RequestMeta } from './types.js'

export interface RevocationTarget {
  actorType: 'customer' | 'user'
  actorId: string
}

/** docs/product.md §2 revocation (admin): every token of an actor issued up to now stops working. */
export function createTokenRevocationService(deps: { db: Pick<Database, 'prisma'>; roles: Pick<RoleCache, 'forget'> }) {
  return {
    async revoke(p: Principal, target: RevocationTarget, meta: RequestMeta) {
      const revokedBefore = await withTx(deps.db.prisma, { actorId: p.actorId, role: 'admin' }, (tx) =>
        revokeTokens(tx, { target, by: auditActor(p), meta, reason: 'admin' }),
      )
      // At once on this instance; other instances see it at their next sync or cache expiry (≤ TTL).
      deps.roles.forget(target.actorType, target.actorId, revokedBefore)
      return { ...target, revokedBefore: revokedBefore.toISOString() }
    },
  }
}

export type TokenRevocationService = ReturnType<typeof createTokenRevocationService>
