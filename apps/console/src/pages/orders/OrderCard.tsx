import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, type FormEvent } from 'react'
import { fetchAllPrintFiles } from '../../api/queries'
import { unwrap } from '../../api/errors'
import type { Order } from '../../api/types'
import { useSession } from '../../auth/session'
import { ErrorAlert } from '../../ui/ErrorAlert'
import { formatTime } from '../../ui/format'

/** An order, its lines, and (admins, pending orders) Approve with a print file per line, or Reject. */
export function OrderCard({ order }: { order: Order }) {
  const { role } = useSession()
  const label = order.displayId ?? order.externalId
  return (
    <article className="card wide" aria-label={`Order ${label}`}>
      <h2>Order {label}</h2>
      <p className="meta">
        {order.status.replace('_', ' ')} · customer {order.customerId} · {formatTime(order.createdAt)}
        {order.statusReason && ` · ${order.statusReason}`}
      </p>
      {order.notes && <p>{order.notes}</p>}
      <ul>
        {order.items.map((item) => (
          <li key={item.id}>
            {item.quantity} × {item.title} ({item.kind === 'scan' ? `scan ${item.scanJobId ?? ''}` : `product ${item.productRef ?? ''}`})
            {item.manufacturingJobs.length > 0 && ` — prints: ${item.manufacturingJobs.map((j) => `${j.status} ${j.progress} %`).join(', ')}`}
          </li>
        ))}
      </ul>
      {role === 'admin' && order.status === 'pending_review' && <Review order={order} />}
    </article>
  )
}

function Review({ order }: { order: Order }) {
  const { api } = useSession()
  const queryClient = useQueryClient()
  const reasonId = useId()
  const baseId = useId()
  const files = useQuery({ queryKey: ['print-files'], queryFn: () => fetchAllPrintFiles(api) })
  const done = () => queryClient.invalidateQueries({ queryKey: ['orders'] })
  const approve = useMutation({
    mutationFn: (printFiles: Record<string, string>) =>
      unwrap(api.POST('/orders/{id}/approve', { params: { path: { id: order.id } }, body: { printFiles } })),
    onSuccess: done,
  })
  const reject = useMutation({
    mutationFn: (reason: string) => unwrap(api.POST('/orders/{id}/reject', { params: { path: { id: order.id } }, body: { reason } })),
    onSuccess: done,
  })

  function submitApprove(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const printFiles: Record<string, string> = {}
    for (const item of order.items) {
      const chosen = String(form.get(`file-${item.id}`) ?? '')
      if (chosen) printFiles[item.id] = chosen
    }
    approve.mutate(printFiles)
  }

  function submitReject(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    reject.mutate(String(new FormData(event.currentTarget).get('reason') ?? ''))
  }

  const busy = approve.isPending || reject.isPending
  return (
    <div className="review">
      <form onSubmit={submitApprove} className="grid-form">
        {order.items.map((item) => (
          <div key={item.id} className="contents">
            <label htmlFor={`${baseId}-${item.id}`}>Print file for {item.title}</label>
            <select id={`${baseId}-${item.id}`} name={`file-${item.id}`} defaultValue="">
              <option value="">{item.kind === 'product' ? 'By product reference' : 'Choose a print file'}</option>
              {files.data?.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name} ({f.fileName})
                </option>
              ))}
            </select>
          </div>
        ))}
        <div className="actions">
          <button type="submit" disabled={busy}>
            Approve
          </button>
        </div>
      </form>
      <form onSubmit={submitReject} className="inline-form">
        <label htmlFor={reasonId}>Reason</label>
        <input id={reasonId} name="reason" type="text" required maxLength={500} />
        <button type="submit" className="danger" disabled={busy}>
          Reject
        </button>
      </form>
      <ErrorAlert error={files.error ?? approve.error ?? reject.error} />
    </div>
  )
}
