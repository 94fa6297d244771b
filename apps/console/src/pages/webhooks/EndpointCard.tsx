import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { unwrap } from '../../api/errors'
import type { WebhookEndpoint } from '../../api/types'
import { useSession } from '../../auth/session'
import { DataTable } from '../../ui/DataTable'
import { ErrorAlert } from '../../ui/ErrorAlert'
import { formatTime } from '../../ui/format'

/** One endpoint: its events, secret rotation (new secret shown once), its deliveries and replay. */
export function EndpointCard({ endpoint }: { endpoint: WebhookEndpoint }) {
  const { api } = useSession()
  const queryClient = useQueryClient()
  const [showDeliveries, setShowDeliveries] = useState(false)
  const rotate = useMutation({
    mutationFn: () => unwrap(api.POST('/webhooks/{id}/rotate-secret', { params: { path: { id: endpoint.id } }, body: {} })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks'] }),
  })
  return (
    <article className="card wide" aria-label={`Endpoint ${endpoint.url}`}>
      <h2>{endpoint.url}</h2>
      <p className="meta">
        {endpoint.enabled ? 'enabled' : 'disabled'} · {endpoint.events.join(', ')} · {endpoint.secrets.length} active secret
        {endpoint.secrets.length === 1 ? '' : 's'}
        {endpoint.description && ` · ${endpoint.description}`}
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
          Rotate secret
        </button>
        <button type="button" className="secondary" aria-expanded={showDeliveries} onClick={() => setShowDeliveries((v) => !v)}>
          {showDeliveries ? 'Hide deliveries' : 'Show deliveries'}
        </button>
      </div>
      {rotate.data && (
        <div role="status" className="secret">
          <p>New signing secret (shown only once; the old one keeps working for the overlap):</p>
          <code>{rotate.data.secret}</code>
        </div>
      )}
      <ErrorAlert error={rotate.error} />
      {showDeliveries && <Deliveries endpointId={endpoint.id} />}
    </article>
  )
}

function Deliveries({ endpointId }: { endpointId: string }) {
  const { api } = useSession()
  const queryClient = useQueryClient()
  const key = ['webhook-deliveries', endpointId]
  const deliveries = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET('/webhooks/{id}/deliveries', { params: { path: { id: endpointId }, query: { limit: 50 } } })),
  })
  const replay = useMutation({
    mutationFn: (deliveryId: string) =>
      unwrap(api.POST('/webhooks/{id}/deliveries/{deliveryId}/replay', { params: { path: { id: endpointId, deliveryId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  })
  return (
    <section aria-label="Deliveries">
      <h3>Deliveries</h3>
      <ErrorAlert error={deliveries.error ?? replay.error} />
      {deliveries.data && deliveries.data.items.length === 0 && <p>No deliveries yet.</p>}
      {deliveries.data && deliveries.data.items.length > 0 && (
        <DataTable columns={['Event', 'Status', 'Attempts', 'Last attempt', 'Last result']} actions>
          {deliveries.data.items.map((d) => (
            <tr key={d.id}>
              <td>{d.eventType}</td>
              <td>{d.status}</td>
              <td>{d.attempts}</td>
              <td>{formatTime(d.lastAttemptAt)}</td>
              <td>{d.lastStatusCode ?? d.lastError ?? '—'}</td>
              <td>
                <button type="button" className="secondary" onClick={() => replay.mutate(d.id)} disabled={replay.isPending}>
                  Replay
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  )
}
