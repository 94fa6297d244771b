import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { unwrap } from '../api/errors'
import { useSession } from '../auth/session'
import { DataTable } from '../ui/DataTable'
import { ErrorAlert } from '../ui/ErrorAlert'
import { formatTime, localInputToIso } from '../ui/format'
import { Page } from '../ui/Page'
import { Pager, useCursorPager } from '../ui/Pager'

const PAGE_SIZE = 50

interface Filters {
  action?: string
  actorId?: string
  from?: string
  to?: string
}

function readFilters(form: FormData): Filters {
  const text = (name: string) => String(form.get(name) ?? '').trim() || undefined
  const filters: Filters = {}
  const action = text('action')
  const actorId = text('actorId')
  const from = localInputToIso(String(form.get('from') ?? ''))
  const to = localInputToIso(String(form.get('to') ?? ''))
  if (action) filters.action = action
  if (actorId) filters.actorId = actorId
  if (from) filters.from = from
  if (to) filters.to = to
  return filters
}

/** The audit log (filters, paging) and the hash chain's verification. Details are JSON text. */
export function AuditPage() {
  const { api } = useSession()
  const ids = { action: useId(), actor: useId(), from: useId(), to: useId() }
  const [filters, setFilters] = useState<Filters>({})
  const pager = useCursorPager()
  const rows = useQuery({
    queryKey: ['audit', filters, pager.cursor ?? ''],
    queryFn: () => unwrap(api.GET('/audit/', { params: { query: { limit: PAGE_SIZE, ...filters, ...(pager.cursor ? { cursor: pager.cursor } : {}) } } })),
  })
  const verify = useMutation({ mutationFn: () => unwrap(api.GET('/audit/verify')) })

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setFilters(readFilters(new FormData(event.currentTarget)))
    pager.reset()
  }

  return (
    <Page title="Audit log">
      <section aria-labelledby="verify-heading" className="panel">
        <h2 id="verify-heading">Hash chain</h2>
        <p className="actions">
          <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
            Verify chain
          </button>
        </p>
        {verify.isPending && <p role="status">Verifying…</p>}
        {verify.data && (
          <p role="status" className={verify.data.ok ? 'ok' : 'alert'}>
            {verify.data.ok
              ? `Chain verified: ${verify.data.checked} rows`
              : `Chain broken at row ${verify.data.firstBrokenId ?? '?'} (${verify.data.checked} rows checked)`}
          </p>
        )}
        <ErrorAlert error={verify.error} />
      </section>
      <section aria-labelledby="rows-heading">
        <h2 id="rows-heading">Entries</h2>
        <form onSubmit={submit} className="filters" aria-label="Filters">
          <div>
            <label htmlFor={ids.action}>Action</label>
            <input id={ids.action} name="action" type="text" placeholder="manufacturing.created" />
          </div>
          <div>
            <label htmlFor={ids.actor}>Actor</label>
            <input id={ids.actor} name="actorId" type="text" />
          </div>
          <div>
            <label htmlFor={ids.from}>From</label>
            <input id={ids.from} name="from" type="datetime-local" />
          </div>
          <div>
            <label htmlFor={ids.to}>To</label>
            <input id={ids.to} name="to" type="datetime-local" />
          </div>
          <div className="actions">
            <button type="submit">Apply filters</button>
          </div>
        </form>
        <ErrorAlert error={rows.error} />
        {rows.isPending && <p>Loading the audit log…</p>}
        {rows.data && rows.data.items.length === 0 && <p>No entries match.</p>}
        {rows.data && rows.data.items.length > 0 && (
          <DataTable columns={['At', 'Actor', 'Action', 'Target', 'Details']} className="audit">
            {rows.data.items.map((row) => (
              <tr key={row.id}>
                <td>{formatTime(row.at)}</td>
                <td>
                  {row.actorType}
                  {row.actorId && ` ${row.actorId}`}
                </td>
                <td>{row.action}</td>
                <td>{[row.targetType, row.targetId].filter(Boolean).join(' ') || '—'}</td>
                <td>
                  <pre>{JSON.stringify(row.details, null, 2)}</pre>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        <Pager pager={pager} nextCursor={rows.data?.nextCursor} />
      </section>
    </Page>
  )
}
