import { revokeTokens, StaffRole, withTx, writeAudit } from '@printforge/db'
import { dropGroupRoles } from '@printforge/domain'
import { UsageError, type Command } from '../command.js'
import { withAppDatabase } from '../database.js'
import { opsActor, opsContext } from '../ops-context.js'

const ROLES = Object.values(StaffRole)
const USER_ID = /^[A-Za-z0-9_:.-]{1,255}$/

export const staffCommand: Command = async (args, config, print) => {
  const [sub, userId, role] = args
  if ((sub !== 'grant' && sub !== 'revoke') || !userId) throw new UsageError('staff: expected grant <userId> <role> or revoke <userId>')
  if (!USER_ID.test(userId)) throw new UsageError(`staff: not a Medusa user id: ${JSON.stringify(userId)}`)
  if (sub === 'grant' && !ROLES.includes(role as StaffRole)) throw new UsageError(`staff grant: role must be one of ${ROLES.join(', ')}`)
  if (sub === 'revoke' && role !== undefined) throw new UsageError('staff revoke takes only a user id')

  return withAppDatabase(config, (db) =>
    withTx(db, opsContext(), async (tx) => {
      const before = await tx.staff.findUnique({ where: { userId }, select: { role: true } })
      let groupRolesRemoved: Awaited<ReturnType<typeof dropGroupRoles>> = []
      if (sub === 'grant') {
        groupRolesRemoved = await dropGroupRoles(tx, userId)
        await tx.staff.upsert({
          where: { userId },
          create: { userId, role: role as StaffRole, grantedBy: opsActor() },
          update: { role: role as StaffRole, grantedBy: opsActor() },
        })
      } else if (before) {
        await tx.staff.delete({ where: { userId } })
        // As DELETE /staff/:userId does: the tokens the member holds stop working too.
        await revokeTokens(tx, { target: { actorType: 'user', actorId: userId }, by: { actorType: 'system', actorId: opsActor() }, reason: 'staff.removed' })
      } else {
        print(`${userId} has no staff role; nothing to revoke.`)
        return 0
      }
      await writeAudit(tx, {
        actorType: 'system',
        actorId: opsActor(),
        action: 'staff.changed',
        targetType: 'staff',
        targetId: userId,
        details: { from: before?.role ?? null, to: sub === 'grant' ? role : null, via: 'cli', ...(groupRolesRemoved.length ? { groupRolesRemoved } : {}) },
      })
      print(sub === 'grant' ? `Granted ${role} to ${userId}.` : `Revoked ${before?.role} from ${userId}, and every token they hold.`)
      return 0
    }),
  )
}
