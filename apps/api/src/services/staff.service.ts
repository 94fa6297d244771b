import { revokeTokens, withTx, writeAudit, type Database, type StaffRole } from '@printforge/db'
import { dropGroupRoles } from '@printforge/domain'
import { AppError } from '@printforge/errors'
import type { Principal } from '../lib/principal.js'
import type { RoleCache } from '../lib/role-cache.js'
import type { RequestMeta } from './types.js'

const toView = (s: { userId: string; role: StaffRole; grantedBy: string; createdAt: Date; updatedAt: Date }) => ({
  ...s,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
})

/** docs/product.md §4.6 staff management (admin). Roles never come from token claims, only from here. */
export function createStaffService(deps: { db: Pick<Database, 'prisma'>; roles: Pick<RoleCache, 'forget'> }) {
  const admin = (p: Principal) => ({ actorId: p.actorId, role: 'admin' as const })
  return {
    list: (p: Principal) =>
      withTx(deps.db.prisma, admin(p), async (tx) => (await tx.staff.findMany({ orderBy: { userId: 'asc' } })).map(toView)),

    async set(p: Principal, userId: string, role: StaffRole, meta: RequestMeta) {
      // An admin cannot demote themselves: the last admin would lock everyone out.
      if (userId === p.actorId && role !== 'admin') throw new AppError('CONFLICT', 'You cannot change your own role.')
      const staff = await withTx(deps.db.prisma, admin(p), async (tx) => {
        const before = await tx.staff.findUnique({ where: { userId }, select: { role: true } })
        const row = await tx.staff.upsert({ where: { userId }, create: { userId, role, grantedBy: p.actorId }, update: { role, grantedBy: p.actorId } })
        // A global role holds in all groups (docs/product.md §5.4): the member's group roles go.
        const groups = await dropGroupRoles(tx, userId)
        await writeAudit(tx, {
          actorType: 'user', actorId: p.actorId, action: 'staff.changed', targetType: 'staff', targetId: userId, ...meta,
          details: { from: before?.role ?? null, to: role, ...(groups.length ? { groupRolesRemoved: groups } : {}) },
        })
        return toView(row)
      })
      deps.roles.forget('user', userId)
      return staff
    },

    /**
     * Removing a staff member also revokes the tokens they hold (docs/product.md §2): whoever made the
     * removal necessary may hold one of them. Role, cut-off and both audit rows commit together.
     */
    async remove(p: Principal, userId: string, meta: RequestMeta) {
      if (userId === p.actorId) throw new AppError('CONFLICT', 'You cannot revoke your own role.')
      await withTx(deps.db.prisma, admin(p), async (tx) => {
        const before = await tx.staff.findUnique({ where: { userId }, select: { role: true } })
        if (!before) throw new AppError('NOT_FOUND', 'No such staff member.')
        await tx.staff.delete({ where: { userId } })
        await revokeTokens(tx, { target: { actorType: 'user', actorId: userId }, by: { actorType: 'user', actorId: p.actorId }, meta, reason: 'staff.removed' })
        await writeAudit(tx, { actorType: 'user', actorId: p.actorId, action: 'staff.changed', targetType: 'staff', targetId: userId, ...meta, details: { from: before.role, to: null } })
      })
      deps.roles.forget('user', userId)
    },
  }
}

export type StaffService = ReturnType<typeof createStaffService>
