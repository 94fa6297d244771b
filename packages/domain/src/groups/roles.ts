// Staff roles with printer groups (docs/product.md §5.4). A staff member holds either one global
// role (the staff table: "all groups", as before groups existed) or roles in some groups. The
// request-level role that gates routes is derived here; what rows each role reaches is decided by
// the database's policies (migration 20261205110000_printer_groups).
import type { StaffRole } from '@printforge/db'

/** A role in one group, as the caller's standing carries it. */
export interface GroupGrant {
  groupId: string
  name: string
  role: StaffRole
}

/**
 * The role a person's requests carry: the global role when there is one, else 'group_admin' when
 * any group grant is admin, 'group_operator' when any grant exists, 'none' otherwise. A route that
 * group staff may call lists the group_* roles explicitly; every other staff route stays closed to
 * them (default deny), whatever their group grants.
 */
export type StaffStanding = StaffRole | 'group_operator' | 'group_admin' | 'none'

export function standingRole(global: StaffRole | null, grants: readonly Pick<GroupGrant, 'role'>[]): StaffStanding {
  if (global) return global
  if (grants.some((g) => g.role === 'admin')) return 'group_admin'
  return grants.length > 0 ? 'group_operator' : 'none'
}

/** Group roles run in the database as a 'user' context: the policies read their grants by actor id. */
export const isGroupRole = (role: string): role is 'group_operator' | 'group_admin' => role === 'group_operator' || role === 'group_admin'

/** Group names: what a person types for a room, a site or a customer: 1–120 characters, not only blanks, no control characters. */
export const GROUP_NAME_PATTERN = '^(?=.*\\S)[^\\u0000-\\u001f\\u007f]{1,120}$'
