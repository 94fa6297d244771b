import { createContext, useContext } from 'react'
import type { PrintForgeClient } from '@printforge/client'
import type { Role } from '../api/types'

/** Global staff, and staff with roles in some printer groups only (docs/product.md §5.4). */
export type StaffRole = Extract<Role, 'operator' | 'admin' | 'group_operator' | 'group_admin'>

export interface Session {
  token: string
  role: StaffRole
  actorId: string
  expiresAt: Date | undefined
  api: PrintForgeClient
  /** Forgets the token (and every cached answer); `notice` is shown on the sign-in page. */
  signOut: (notice?: string) => void
}

export const SESSION_ENDED = 'Your session ended — sign in again'

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) throw new Error('useSession outside a signed-in console')
  return session
}
