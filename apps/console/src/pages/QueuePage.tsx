import { useQuery } from '@tanstack/react-query'
import { Link } from 'wouter'
import { unwrap } from '../api/errors'
import { useSession } from '../auth/session'
import { queryKeys } from '../live/query-keys'
import { DataTable } from '../ui/DataTable'
import { ErrorAlert } from '../ui/ErrorAlert'
import { formatTime } from '../ui/format'
import { Page } from '../ui/Page'
import { Pager, useCursorPager } from '../ui/Pager'
import { DispatchForm } from './queue/DispatchForm'

const PAGE_SIZE = 25

export function QueuePage() {
  const { api, role } = useSession()
  const pager = useCursorPager()
  const jobs = useQuery({
    queryKey: queryKeys.manufacturingList(pager.cursor),
    queryFn: () =>
      unwrap(api.GET('/manufacturing/', { params: { query: { limit: PAGE_SIZE, ...(pager.cursor ? { cursor: pager.cursor } : {}) } } })),
  })

  return (
    <Page title="Print queue">
      {role === 'admin' && <DispatchForm />}
      <section aria-labelledby="jobs-heading">
        <h2 id="jobs-heading">Print jobs</h2>
        <ErrorAlert error={jobs.error} />
        {jobs.isPending && <p>Loading print jobs…</p>}
        {jobs.data && jobs.data.items.length === 0 && <p>No print jobs yet.</p>}
        {jobs.data && jobs.data.items.length > 0 && (
          <DataTable columns={['File', 'State', 'Printer', 'Progress', 'Created']}>
            {jobs.data.items.map((job) => (
              <tr key={job.id}>
                <td>
                  <Link href={`/queue/${job.id}`}>{job.fileName}</Link>
                </td>
                <td>{job.status}</td>
                <td>{job.printer ? job.printer.name : job.requestedModel ? `Any idle ${job.requestedModel}` : '—'}</td>
                <td>{job.progress} %</td>
                <td>{formatTime(job.createdAt)}</td>
              </tr>
            ))}
          </DataTable>
        )}
        <Pager pager={pager} nextCursor={jobs.data?.nextCursor} />
      </section>
    </Page>
  )
}
