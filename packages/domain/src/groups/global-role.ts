// A global role holds in all printer groups (docs/product.md §5.4), so granting one replaces the
// person's group roles: the API's PUT /staff/:userId and the CLI's `staff grant` both call this in
// the grant's transaction, and name what it removed in their staff.changed audit row.
import type { StaffRole, Tx } from '@printforge/db'

export async function dropGroupRoles(tx: Tx, userId: string): Promise<{ groupId: string; role: StaffRole }[]> {
  const groups = await tx.staffGroupRole.findMany({ where: { userId }, select: { groupId: true, role: true }, orderBy: { groupId: 'asc' } })
  if (groups.length) await tx.staffGroupRole.deleteMany({ where: { userId } })
  return groups
}
