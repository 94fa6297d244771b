import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link } from 'wouter'
import { unwrap } from '../api/errors'
import type { ManufacturingStatus } from '../api/types'
import { useSession } from '../auth/session'
import { queryKeys } from '../live/query-keys'
import { DataTable } from '../ui/DataTable'
import { ErrorAlert } from '../ui/ErrorAlert'
import { formatBytes, formatTime } from '../ui/format'
import { Page } from '../ui/Page'

const FINAL: readonly ManufacturingStatus[] = ['completed', 'failed', 'cancelled']

/** One print job: state, progress and its state history; the live stream keeps it current. */
export function PrintJobPage({ id }: { id: string }) {
  const { api } = useSession()
  const queryClient = useQueryClient()
  const job = useQuery({
    queryKey: queryKeys.manufacturingJob(id),
    queryFn: async () => (await unwrap(api.GET('/manufacturing/{id}', { params: { path: { id } } }))).manufacturingJob,
  })
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/manufacturing/{id}/cancel', { params: { path: { id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.manufacturing }),
  })
  const j = job.data

  return (
    <Page title="Print job">
      <p>
        <Link href="/queue">Back to the print queue</Link>
      </p>
      <ErrorAlert error={job.error} />
      {job.isPending && <p>Loading the print job…</p>}
      {j && (
        <>
          <dl className="facts wide">
            <dt>File</dt>
            <dd>
              {j.fileName} ({formatBytes(j.fileBytes)})
            </dd>
            <dt>State</dt>
            <dd>{j.status}</dd>
            <dt>Printer</dt>
            <dd>{j.printer ? `${j.printer.name} (${j.printer.model})` : j.requestedModel ? `Any idle ${j.requestedModel}` : '—'}</dd>
            <dt>Progress</dt>
            <dd>
              <progress aria-label="Print progress" max={100} value={j.progress} /> {j.progress} %
            </dd>
            <dt>Plate</dt>
            <dd>{j.plate}</dd>
            <dt>Options</dt>
            <dd>
              {[j.useAms ? `AMS ${JSON.stringify(j.amsMapping)}` : 'no AMS', j.bedLeveling ? 'bed levelling' : 'no bed levelling', j.timelapse ? 'timelapse' : 'no timelapse'].join(', ')}
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(j.createdAt)}</dd>
            {j.error && (
              <>
                <dt>Error</dt>
                <dd>{[j.error.code, j.error.reason].filter(Boolean).join(': ')}</dd>
              </>
            )}
          </dl>
          {!FINAL.includes(j.status) && (
            <p className="actions">
              <button type="button" className="danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
                Cancel
              </button>
            </p>
          )}
          <ErrorAlert error={cancel.error} />
          <h2>State history</h2>
          <DataTable columns={['At', 'From', 'To', 'Details']}>
            {j.history.map((h, i) => (
              <tr key={`${h.at}-${i}`}>
                <td>{formatTime(h.at)}</td>
                <td>{h.from ?? '—'}</td>
                <td>{h.to}</td>
                <td>
                  <pre>{JSON.stringify(h.details, null, 2)}</pre>
                </td>
              </tr>
            ))}
          </DataTable>
        </>
      )}
    </Page>
  )
}
