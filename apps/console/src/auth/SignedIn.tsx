import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { createApi } from '../api/client'
import { ApiError } from '../api/errors'
import { Shell } from '../ui/Shell'
import { SESSION_ENDED, SessionContext, type Session, type StaffRole } from './session'

export interface SignedInPerson {
  token: string
  role: StaffRole
  actorId: string
  expiresAt: Date | undefined
}

// setTimeout holds at most 2^31-1 ms (about 24.8 days); a longer delay would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1

function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will not change by asking again; a network blip or a 5xx might.
        retry: (failures, error) => failures < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: false,
        staleTime: 5_000,
      },
      mutations: { retry: false },
    },
  })
}

/** Everything after sign-in: the API client, a query cache of this session's own, the expiry timer. */
export function SignedIn({ person, signOut }: { person: SignedInPerson; signOut: (notice?: string) => void }) {
  const [queryClient] = useState(newQueryClient)
  const { token, role, actorId, expiresAt } = person

  const session = useMemo<Session>(
    () => ({ token, role, actorId, expiresAt, signOut, api: createApi(token, () => signOut(SESSION_ENDED)) }),
    [token, role, actorId, expiresAt, signOut],
  )

  useEffect(() => {
    if (!expiresAt) return
    const delay = expiresAt.getTime() - Date.now()
    if (delay <= 0) {
      signOut(SESSION_ENDED)
      return
    }
    if (delay > MAX_TIMER_MS) return
    const timer = setTimeout(() => signOut(SESSION_ENDED), delay)
    return () => clearTimeout(timer)
  }, [expiresAt, signOut])

  // Signing out drops every cached answer with the token.
  useEffect(() => () => queryClient.clear(), [queryClient])

  return (
    <SessionContext.Provider value={session}>
      <QueryClientProvider client={queryClient}>
        <Shell />
      </QueryClientProvider>
    </SessionContext.Provider>
  )
}
