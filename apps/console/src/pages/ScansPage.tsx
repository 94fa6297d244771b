import { useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { unwrap } from '../api/errors'
import { useSession } from '../auth/session'
import { DataTable } from '../ui/DataTable'
import { ErrorAlert } from '../ui/ErrorAlert'
import { formatTime } from '../ui/format'
import { Page } from '../ui/Page'
import { Pager, useCursorPager } from '../ui/Pager'
import { ScanJobImages } from './scans/ScanJobImages'

const PAGE_SIZE = 25

/** A customer's scan jobs, and one job's images through short-lived presigned URLs. */
export function ScansPage() {
  const { api } = useSession()
  const inputId = useId()
  const [customerId, setCustomerId] = useState('')
  const [openJob, setOpenJob] = useState<string | null>(null)
  const pager = useCursorPager()
  const jobs = useQuery({
    queryKey: ['scans', customerId, pager.cursor ?? ''],
    enabled: customerId !== '',
    queryFn: () =>
      unwrap(api.GET('/jobs/', { params: { query: { limit: PAGE_SIZE, customerId, ...(pager.cursor ? { cursor: pager.cursor } : {}) } } })),
  })

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setCustomerId(String(new FormData(event.currentTarget).get('customerId') ?? '').trim())
    setOpenJob(null)
    pager.reset()
  }

  return (
    <Page title="Scans">
      <form onSubmit={submit} className="inline-form" role="search">
        <label htmlFor={inputId}>Customer id</label>
        <input id={inputId} name="customerId" type="text" required autoComplete="off" spellCheck={false} />
        <button type="submit">Show scans</button>
      </form>
      <ErrorAlert error={jobs.error} />
      {customerId !== '' && jobs.isPending && <p>Loading scan jobs…</p>}
      {jobs.data && (
        <section aria-labelledby="scan-jobs-heading">
          <h2 id="scan-jobs-heading">Scan jobs of {customerId}</h2>
          {jobs.data.items.length === 0 ? (
            <p>This customer has no scan jobs.</p>
          ) : (
            <DataTable columns={['Title', 'State', 'Images', 'Created']} actions>
              {jobs.data.items.map((job) => (
                <tr key={job.id}>
                  <td>{job.title}</td>
                  <td>{job.status}</td>
                  <td>{job.imageCount}</td>
                  <td>{formatTime(job.createdAt)}</td>
                  <td>
                    <button type="button" className="secondary" onClick={() => setOpenJob(job.id)} aria-pressed={openJob === job.id}>
                      Show images
                    </button>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
          <Pager pager={pager} nextCursor={jobs.data.nextCursor} />
        </section>
      )}
      {openJob && <ScanJobImages jobId={openJob} />}
    </Page>
  )
}
