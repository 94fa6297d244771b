import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, type FormEvent } from 'react'
import { unwrap } from '../api/errors'
import type { ApiKeyScope } from '../api/types'
import { useSession } from '../auth/session'
import { DataTable } from '../ui/DataTable'
import { ErrorAlert } from '../ui/ErrorAlert'
import { formatTime, localInputToIso } from '../ui/format'
import { Page } from '../ui/Page'

const SCOPES: readonly ApiKeyScope[] = ['orders:write', 'orders:read', 'jobs:read', 'printers:read', 'webhooks:manage']

export function ApiKeysPage() {
  const { api } = useSession()
  const queryClient = useQueryClient()
  const ids = { name: useId(), expires: useId(), cidrs: useId() }
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => unwrap(api.GET('/api-keys/')) })
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['api-keys'] })
  const create = useMutation({
    mutationFn: (body: { name: string; scopes: ApiKeyScope[]; expiresAt?: string; allowedCidrs?: string[] }) =>
      unwrap(api.POST('/api-keys/', { body })),
    onSuccess: refresh,
  })
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  })

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const expiresAt = localInputToIso(String(form.get('expiresAt') ?? ''))
    const cidrs = String(form.get('allowedCidrs') ?? '')
      .split(/[\s,]+/)
      .filter(Boolean)
    create.mutate({
      name: String(form.get('name') ?? '').trim(),
      scopes: SCOPES.filter((s) => form.get(`scope-${s}`) === 'on'),
      ...(expiresAt ? { expiresAt } : {}),
      ...(cidrs.length ? { allowedCidrs: cidrs } : {}),
    })
  }

  return (
    <Page title="API keys">
      <section aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        <ErrorAlert error={keys.error} />
        {keys.data && keys.data.items.length === 0 && <p>No API keys yet.</p>}
        {keys.data && keys.data.items.length > 0 && (
          <DataTable columns={['Name', 'Scopes', 'Created', 'Expires', 'Last used', 'Status']} actions>
            {keys.data.items.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>{key.scopes.join(', ')}</td>
                <td>{formatTime(key.createdAt)}</td>
                <td>{formatTime(key.expiresAt)}</td>
                <td>
                  {formatTime(key.lastUsedAt)}
                  {key.lastUsedIp && ` from ${key.lastUsedIp}`}
                </td>
                <td>{key.revokedAt ? `revoked ${formatTime(key.revokedAt)}` : 'active'}</td>
                <td>
                  {!key.revokedAt && (
                    <button type="button" className="danger" onClick={() => revoke.mutate(key.id)} disabled={revoke.isPending}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        <ErrorAlert error={revoke.error} />
      </section>
      <section aria-labelledby="new-key-heading" className="panel">
        <h2 id="new-key-heading">Create a key</h2>
        <form onSubmit={submit} className="grid-form">
          <label htmlFor={ids.name}>Name</label>
          <input id={ids.name} name="name" type="text" required maxLength={100} />
          <fieldset className="checks">
            <legend>Scopes</legend>
            {SCOPES.map((scope) => (
              <label key={scope}>
                <input name={`scope-${scope}`} type="checkbox" /> {scope}
              </label>
            ))}
          </fieldset>
          <label htmlFor={ids.expires}>Expires at (optional)</label>
          <input id={ids.expires} name="expiresAt" type="datetime-local" />
          <label htmlFor={ids.cidrs}>Allowed networks (optional, CIDRs)</label>
          <input id={ids.cidrs} name="allowedCidrs" type="text" placeholder="203.0.113.0/24" />
          <div className="actions">
            <button type="submit" disabled={create.isPending}>
              Create key
            </button>
          </div>
        </form>
        {create.data && (
          <div role="status" className="secret">
            <p>
              Key <strong>{create.data.apiKey.name}</strong> created. Copy it now: it is shown only once.
            </p>
            <code>{create.data.key}</code>
          </div>
        )}
        <ErrorAlert error={create.error} />
      </section>
    </Page>
  )
}
