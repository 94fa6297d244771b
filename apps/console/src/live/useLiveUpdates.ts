import { useQueryClient, type QueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import type { ManufacturingJob, ManufacturingPage, Printer } from '../api/types'
import { SESSION_ENDED, useSession } from '../auth/session'
import { queryKeys } from './query-keys'
import { openLiveStream } from './stream'

function applyPrinter(client: QueryClient, printer: Printer) {
  client.setQueryData<Printer[]>(queryKeys.printers, (list) => {
    if (!list) return list
    const at = list.findIndex((p) => p.id === printer.id)
    if (at === -1) return [...list, printer]
    return list.map((p, i) => (i === at ? printer : p))
  })
}

function applyManufacturing(client: QueryClient, job: ManufacturingJob) {
  client.setQueryData<ManufacturingJob>(queryKeys.manufacturingJob(job.id), (old) => (old ? job : old))
  let listed = false
  client.setQueriesData<ManufacturingPage>({ queryKey: queryKeys.manufacturingLists }, (page) => {
    if (!page || !page.items.some((j) => j.id === job.id)) return page
    listed = true
    return { ...page, items: page.items.map((j) => (j.id === job.id ? job : j)) }
  })
  // A job no cached page holds is new (or moved between pages): reload the lists from the API.
  if (!listed) void client.invalidateQueries({ queryKey: queryKeys.manufacturingLists })
}

const isObjectWithId = (data: unknown): data is { id: string } =>
  typeof data === 'object' && data !== null && typeof (data as { id?: unknown }).id === 'string'

/**
 * Keeps the fleet and queue queries current from GET /live. After every `ready` the REST queries
 * are reloaded, so nothing that changed between the load and the subscription is missed.
 * Returns whether the stream is down (for the "reconnecting" banner).
 */
export function useLiveUpdates(): { down: boolean } {
  const { api, signOut } = useSession()
  const client = useQueryClient()
  const [down, setDown] = useState(false)

  useEffect(() => {
    const stop = openLiveStream(api, {
      onStatus: (up) => setDown(!up),
      onUnauthorized: () => signOut(SESSION_ENDED),
      onFinished: () => signOut(SESSION_ENDED),
      onEvent: (name, data) => {
        if (name === 'ready') {
          void client.invalidateQueries({ queryKey: queryKeys.printers })
          void client.invalidateQueries({ queryKey: queryKeys.manufacturing })
        } else if (name === 'printer' && isObjectWithId(data)) {
          applyPrinter(client, data as Printer)
        } else if (name === 'manufacturing' && isObjectWithId(data)) {
          applyManufacturing(client, data as ManufacturingJob)
        }
      },
    })
    return stop
  }, [api, signOut, client])

  return { down }
}
