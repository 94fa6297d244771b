import { useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { unwrap } from '../api/errors'
import type { OrderStatus } from '../api/types'
import { useSession } from '../auth/session'
import { ErrorAlert } from '../ui/ErrorAlert'
import { Page } from '../ui/Page'
import { Pager, useCursorPager } from '../ui/Pager'
import { OrderCard } from './orders/OrderCard'

const STATUSES: readonly OrderStatus[] = ['pending_review', 'approved', 'rejected', 'in_production', 'completed', 'failed']
const PAGE_SIZE = 20

export function OrdersPage() {
  const { api } = useSession()
  const selectId = useId()
  const [status, setStatus] = useState<OrderStatus | ''>('pending_review')
  const pager = useCursorPager()
  const orders = useQuery({
    queryKey: ['orders', status, pager.cursor ?? ''],
    queryFn: () =>
      unwrap(
        api.GET('/orders/', {
          params: { query: { limit: PAGE_SIZE, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) } },
        }),
      ),
  })

  return (
    <Page title="Orders">
      <div className="inline-form">
        <label htmlFor={selectId}>Status</label>
        <select
          id={selectId}
          value={status}
          onChange={(event) => {
            setStatus(event.target.value as OrderStatus | '')
            pager.reset()
          }}
        >
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace('_', ' ')}
            </option>
          ))}
          <option value="">any status</option>
        </select>
      </div>
      <ErrorAlert error={orders.error} />
      {orders.isPending && <p>Loading orders…</p>}
      {orders.data && orders.data.items.length === 0 && <p>No orders with this status.</p>}
      {orders.data?.items.map((order) => (
        <OrderCard key={order.id} order={order} />
      ))}
      <Pager pager={pager} nextCursor={orders.data?.nextCursor} />
    </Page>
  )
}
