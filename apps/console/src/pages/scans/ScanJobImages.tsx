import { useQuery } from '@tanstack/react-query'
import { unwrap } from '../../api/errors'
import type { ScanJob } from '../../api/types'
import { useSession } from '../../auth/session'
import { ErrorAlert } from '../../ui/ErrorAlert'
import { formatBytes } from '../../ui/format'

type Image = ScanJob['images'][number]

/** A thumbnail through GET /jobs/:id/images/:imageId's presigned URL (it expires; refetched before). */
function Thumbnail({ jobId, image }: { jobId: string; image: Image }) {
  const { api } = useSession()
  const url = useQuery({
    queryKey: ['scan-image', jobId, image.id],
    enabled: image.status === 'stored',
    queryFn: () => unwrap(api.GET('/jobs/{id}/images/{imageId}', { params: { path: { id: jobId, imageId: image.id } } })),
    staleTime: 60_000,
  })
  return (
    <figure className="thumb">
      {url.data ? <img src={url.data.url} alt={image.filename} loading="lazy" referrerPolicy="no-referrer" /> : <div className="thumb-empty">{image.status}</div>}
      <figcaption>
        {image.filename} · {formatBytes(image.bytes)}
        {image.width !== null && image.height !== null && ` · ${image.width}×${image.height}`}
        {image.failureReason && ` · ${image.failureReason}`}
      </figcaption>
      <ErrorAlert error={url.error} />
    </figure>
  )
}

export function ScanJobImages({ jobId }: { jobId: string }) {
  const { api } = useSession()
  const job = useQuery({
    queryKey: ['scan-job', jobId],
    queryFn: async () => (await unwrap(api.GET('/jobs/{id}', { params: { path: { id: jobId } } }))).job,
  })
  return (
    <section aria-labelledby="scan-images-heading">
      <h2 id="scan-images-heading">Images of {job.data ? job.data.title : 'the scan job'}</h2>
      <ErrorAlert error={job.error} />
      {job.data?.notes && <p>{job.data.notes}</p>}
      {job.data?.failureReason && <p>Failed: {job.data.failureReason}</p>}
      {job.data && job.data.images.length === 0 && <p>No images.</p>}
      <div className="thumbs">
        {job.data?.images.map((image) => (
          <Thumbnail key={image.id} jobId={jobId} image={image} />
        ))}
      </div>
    </section>
  )
}
