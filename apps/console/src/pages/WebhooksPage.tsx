import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, type FormEvent } from 'react'
import { unwrap } from '../api/errors'
import type { WebhookEvent } from '../api/types'
import { useSession } from '../auth/session'
import { ErrorAlert } from '../ui/ErrorAlert'
import { Page } from '../ui/Page'
import { EndpointCard } from './webhooks/EndpointCard'

const EVENTS: readonly WebhookEvent[] = ['scan.stored', 'scan.failed', 'order.status_changed', 'manufacturing.status_changed', 'printer.offline', 'printer.error']

export function WebhooksPage() {
  const { api } = useSession()
  const queryClient = useQueryClient()
  const ids = { url: useId(), description: useId() }
  const endpoints = useQuery({ queryKey: ['webhooks'], queryFn: () => unwrap(api.GET('/webhooks/')) })
  const create = useMutation({
    mutationFn: (body: { url: string; events: WebhookEvent[]; description?: string }) => unwrap(api.POST('/webhooks/', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks'] }),
  })

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const description = String(form.get('description') ?? '').trim()
    create.mutate({
      url: String(form.get('url') ?? '').trim(),
      events: EVENTS.filter((e) => form.get(`event-${e}`) === 'on'),
      ...(description ? { description } : {}),
    })
  }

  return (
    <Page title="Webhooks">
      <ErrorAlert error={endpoints.error} />
      {endpoints.data && endpoints.data.items.length === 0 && <p>No webhook endpoints yet.</p>}
      {endpoints.data?.items.map((endpoint) => (
        <EndpointCard key={endpoint.id} endpoint={endpoint} />
      ))}
      <section aria-labelledby="new-endpoint-heading" className="panel">
        <h2 id="new-endpoint-heading">Add an endpoint</h2>
        <form onSubmit={submit} className="grid-form">
          <label htmlFor={ids.url}>URL</label>
          <input id={ids.url} name="url" type="url" required placeholder="https://example.com/hooks/printforge" />
          <fieldset className="checks">
            <legend>Events</legend>
            {EVENTS.map((e) => (
              <label key={e}>
                <input name={`event-${e}`} type="checkbox" /> {e}
              </label>
            ))}
          </fieldset>
          <label htmlFor={ids.description}>Description (optional)</label>
          <input id={ids.description} name="description" type="text" maxLength={200} />
          <div className="actions">
            <button type="submit" disabled={create.isPending}>
              Create endpoint
            </button>
          </div>
        </form>
        {create.data && (
          <div role="status" className="secret">
            <p>Endpoint created. Its signing secret is shown only once:</p>
            <code>{create.data.secret}</code>
          </div>
        )}
        <ErrorAlert error={create.error} />
      </section>
    </Page>
  )
}
