import { useQuery } from '@tanstack/react-query'
import { fetchAllPrinters } from '../api/queries'
import { useSession } from '../auth/session'
import { queryKeys } from '../live/query-keys'

/** The whole fleet; the live stream keeps it current (useLiveUpdates). */
export function usePrinters() {
  const { api } = useSession()
  return useQuery({ queryKey: queryKeys.printers, queryFn: () => fetchAllPrinters(api) })
}
