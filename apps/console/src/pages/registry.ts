import type { StaffRole } from '../auth/session'

/** The console's pages (docs/console.md "Pages"): path under /console, <h1>, roles that may open it. */
export interface PageEntry {
  path: string
  title: string
  roles: readonly StaffRole[]
}

const STAFF = ['operator', 'admin'] as const
// Group staff see the fleet and the queue: the API shows them their groups' printers and jobs only.
const FLEET = ['operator', 'admin', 'group_operator', 'group_admin'] as const
const ADMIN = ['admin'] as const

export const PAGES: readonly PageEntry[] = [
  { path: '/', title: 'Fleet', roles: FLEET },
  { path: '/queue', title: 'Print queue', roles: FLEET },
  { path: '/scans', title: 'Scans', roles: STAFF },
  { path: '/orders', title: 'Orders', roles: STAFF },
  { path: '/audit', title: 'Audit log', roles: ADMIN },
  { path: '/staff', title: 'Staff and quotas', roles: ADMIN },
  { path: '/api-keys', title: 'API keys', roles: ADMIN },
  { path: '/webhooks', title: 'Webhooks', roles: ADMIN },
]

export function mayOpen(page: Pick<PageEntry, 'roles'>, role: StaffRole): boolean {
  return page.roles.includes(role)
}
