import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, type FormEvent } from 'react'
import { unwrap } from '../api/errors'
import type { StaffMember } from '../api/types'
import { useSession } from '../auth/session'
import { DataTable } from '../ui/DataTable'
import { ErrorAlert } from '../ui/ErrorAlert'
import { formatTime } from '../ui/format'
import { Page } from '../ui/Page'
import { UserRoleFields } from '../ui/UserRoleFields'
import { PrinterGroups } from './staff/PrinterGroups'

export function StaffPage() {
  return (
    <Page title="Staff and quotas">
      <StaffRoles />
      <PrinterGroups />
      <Quota />
    </Page>
  )
}

function StaffRoles() {
  const { api, actorId } = useSession()
  const queryClient = useQueryClient()
  const staff = useQuery({ queryKey: ['staff'], queryFn: () => unwrap(api.GET('/staff/')) })
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['staff'] })
  const grant = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: StaffMember['role'] }) =>
      unwrap(api.PUT('/staff/{userId}', { params: { path: { userId } }, body: { role } })),
    onSuccess: refresh,
  })
  const revoke = useMutation({
    mutationFn: (userId: string) => unwrap(api.DELETE('/staff/{userId}', { params: { path: { userId } } })),
    onSuccess: refresh,
  })

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    grant.mutate({ userId: String(form.get('userId') ?? '').trim(), role: form.get('role') === 'admin' ? 'admin' : 'operator' })
  }

  return (
    <section aria-labelledby="staff-heading">
      <h2 id="staff-heading">Staff roles</h2>
      <ErrorAlert error={staff.error} />
      {staff.data && (
        <DataTable columns={['User', 'Role', 'Granted by', 'Since']} actions>
          {staff.data.items.map((member) => (
            <tr key={member.userId}>
              <td>{member.userId}</td>
              <td>{member.role}</td>
              <td>{member.grantedBy}</td>
              <td>{formatTime(member.updatedAt)}</td>
              <td>
                {member.userId !== actorId && (
                  <button type="button" className="danger" onClick={() => revoke.mutate(member.userId)} disabled={revoke.isPending}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <ErrorAlert error={revoke.error} />
      <h3>Grant a role</h3>
      <form onSubmit={submit} className="inline-form">
        <UserRoleFields />
        <button type="submit" disabled={grant.isPending}>
          Grant role
        </button>
      </form>
      {grant.isSuccess && <p role="status">Granted {grant.data.staff.role} to {grant.data.staff.userId}.</p>}
      <ErrorAlert error={grant.error} />
    </section>
  )
}

function Quota() {
  const { api } = useSession()
  const ids = { customer: useId(), limit: useId() }
  const setQuota = useMutation({
    mutationFn: ({ customerId, monthlyLimit }: { customerId: string; monthlyLimit: number }) =>
      unwrap(api.PUT('/quota/{customerId}', { params: { path: { customerId } }, body: { monthlyLimit } })),
  })

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setQuota.mutate({ customerId: String(form.get('customerId') ?? '').trim(), monthlyLimit: Number(form.get('monthlyLimit')) })
  }

  const q = setQuota.data?.quota
  return (
    <section aria-labelledby="quota-heading">
      <h2 id="quota-heading">Monthly quota</h2>
      <form onSubmit={submit} className="inline-form">
        <label htmlFor={ids.customer}>Customer id</label>
        <input id={ids.customer} name="customerId" type="text" required autoComplete="off" spellCheck={false} />
        <label htmlFor={ids.limit}>Monthly limit</label>
        <input id={ids.limit} name="monthlyLimit" type="number" min={0} step={1} required />
        <button type="submit" disabled={setQuota.isPending}>
          Set quota
        </button>
      </form>
      {q && setQuota.variables && (
        <p role="status">
          Quota of {setQuota.variables.customerId}: {q.monthlyLimit} scans a month, {q.used} used, {q.remaining} left, resets{' '}
          {formatTime(q.resetsAt)}.
        </p>
      )}
      <ErrorAlert error={setQuota.error} />
    </section>
  )
}
