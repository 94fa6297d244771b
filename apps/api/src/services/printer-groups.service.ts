import { withTx, writeAudit, type AuditAction, type Database, type StaffRole, type Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'
import { auditActor, type Principal } from '../lib/principal.js'
import type { RoleCache } from '../lib/role-cache.js'
import type { RequestMeta } from './types.js'

const GROUP_INCLUDE = {
  members: { select: { printerId: true }, orderBy: { printerId: 'asc' } },
  roles: { select: { userId: true, role: true }, orderBy: { userId: 'asc' } },
} as const

type GroupRow = {
  id: string; name: string; createdAt: Date; updatedAt: Date
  members: { printerId: string }[]; roles: { userId: string; role: StaffRole }[]
}

const toView = (g: GroupRow) => ({
  id: g.id, name: g.name, printerIds: g.members.map((m) => m.printerId), staff: g.roles,
  createdAt: g.createdAt.toISOString(), updatedAt: g.updatedAt.toISOString(),
})

/**
 * Printer groups and per-group staff roles (docs/product.md §5.4), managed by global admins. Each
 * change and its audit row commit together; a grant's or revocation's holder is forgotten by this
 * instance's role cache at once (others within ROLE_CACHE_TTL_MS).
 */
export function createPrinterGroupService(deps: { db: Pick<Database, 'prisma'>; roles: Pick<RoleCache, 'forget'> }) {
  const admin = (p: Principal) => ({ actorId: p.actorId, role: 'admin' as const })
  const audit = (tx: Tx, p: Principal, meta: RequestMeta, action: AuditAction, groupId: string, details: Record<string, unknown>) =>
    writeAudit(tx, { ...auditActor(p), ...meta, action, targetType: 'printer_group', targetId: groupId, details })
  const read = async (tx: Tx, id: string) => {
    const group = await tx.printerGroup.findUnique({ where: { id }, include: GROUP_INCLUDE })
    if (!group) throw new AppError('NOT_FOUND', 'Printer group not found.')
    return group
  }
  const run = <T>(p: Principal, fn: (tx: Tx) => Promise<T>) => withTx(deps.db.prisma, admin(p), fn)

  return {
    list: (p: Principal) => run(p, async (tx) => (await tx.printerGroup.findMany({ orderBy: [{ name: 'asc' }, { id: 'asc' }], include: GROUP_INCLUDE })).map(toView)),

    create: (p: Principal, name: string, meta: RequestMeta) =>
      run(p, async (tx) => {
        const group = await tx.printerGroup.create({ data: { name, createdBy: p.actorId }, include: GROUP_INCLUDE })
        await audit(tx, p, meta, 'printer_group.created', group.id, { name })
        return toView(group)
      }),

    rename: (p: Principal, id: string, name: string, meta: RequestMeta) =>
      run(p, async (tx) => {
        const before = await read(tx, id)
        if (before.name === name) return toView(before)
        const group = await tx.printerGroup.update({ where: { id }, data: { name }, include: GROUP_INCLUDE })
        await audit(tx, p, meta, 'printer_group.renamed', id, { from: before.name, to: name })
        return toView(group)
      }),

    /** Its memberships and grants go with it (ON DELETE CASCADE); the audit row lists them. */
    async remove(p: Principal, id: string, meta: RequestMeta) {
      const removed = await run(p, async (tx) => {
        const group = await read(tx, id)
        await tx.printerGroup.delete({ where: { id } })
        await audit(tx, p, meta, 'printer_group.deleted', id, { name: group.name, printerIds: group.members.map((m) => m.printerId), staff: group.roles })
        return group.roles.map((r) => r.userId)
      })
      for (const userId of removed) deps.roles.forget('user', userId)
    },

    addPrinter: (p: Principal, id: string, printerId: string, meta: RequestMeta) =>
      run(p, async (tx) => {
        await read(tx, id)
        if (!(await tx.printer.findUnique({ where: { id: printerId }, select: { id: true } }))) throw new AppError('NOT_FOUND', 'Printer not found.')
        // Adding a printer that is already there changes nothing and writes no audit row.
        const { count } = await tx.printerGroupMember.createMany({ data: [{ groupId: id, printerId, addedBy: p.actorId }], skipDuplicates: true })
        if (count > 0) await audit(tx, p, meta, 'printer_group.printer_added', id, { printerId })
        return toView(await read(tx, id))
      }),

    removePrinter: (p: Principal, id: string, printerId: string, meta: RequestMeta) =>
      run(p, async (tx) => {
        await read(tx, id)
        const { count } = await tx.printerGroupMember.deleteMany({ where: { groupId: id, printerId } })
        if (count === 0) throw new AppError('NOT_FOUND', 'The printer is not in this group.')
        await audit(tx, p, meta, 'printer_group.printer_removed', id, { printerId })
        return toView(await read(tx, id))
      }),

    /**
     * A global role already holds in every group; mixing both would leave the group role without
     * effect, so it is refused (409) — revoke the global role first, or keep it.
     */
    async grant(p: Principal, id: string, userId: string, role: StaffRole, meta: RequestMeta) {
      const view = await run(p, async (tx) => {
        await read(tx, id)
        if (await tx.staff.findUnique({ where: { userId }, select: { userId: true } })) {
          throw new AppError('CONFLICT', 'This staff member has a global role, which holds in all groups.')
        }
        const before = await tx.staffGroupRole.findUnique({ where: { userId_groupId: { userId, groupId: id } }, select: { role: true } })
        if (before?.role === role) return toView(await read(tx, id))
        await tx.staffGroupRole.upsert({
          where: { userId_groupId: { userId, groupId: id } },
          create: { userId, groupId: id, role, grantedBy: p.actorId },
          update: { role, grantedBy: p.actorId },
        })
        await audit(tx, p, meta, 'printer_group.role_granted', id, { userId, from: before?.role ?? null, to: role })
        return toView(await read(tx, id))
      })
      deps.roles.forget('user', userId)
      return view
    },

    async revoke(p: Principal, id: string, userId: string, meta: RequestMeta) {
      const view = await run(p, async (tx) => {
        await read(tx, id)
        const before = await tx.staffGroupRole.findUnique({ where: { userId_groupId: { userId, groupId: id } }, select: { role: true } })
        if (!before) throw new AppError('NOT_FOUND', 'This staff member has no role in this group.')
        await tx.staffGroupRole.delete({ where: { userId_groupId: { userId, groupId: id } } })
        await audit(tx, p, meta, 'printer_group.role_revoked', id, { userId, from: before.role, to: null })
        return toView(await read(tx, id))
      })
      deps.roles.forget('user', userId)
      return view
    },
  }
}

export type PrinterGroupService = ReturnType<typeof createPrinterGroupService>
