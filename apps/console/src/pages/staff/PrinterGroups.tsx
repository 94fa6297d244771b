import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, type FormEvent } from 'react'
import { unwrap } from '../../api/errors'
import { useSession } from '../../auth/session'
import { DataTable } from '../../ui/DataTable'
import { ErrorAlert } from '../../ui/ErrorAlert'
import { UserRoleFields } from '../../ui/UserRoleFields'

/**
 * Printer groups (docs/product.md §5.4), on the admin's "Staff and quotas" page: create, rename and
 * delete groups, put printers in them, give a person a role in one group. The API decides (and the
 * database enforces) who then sees what; this page only sends the admin's choices.
 */
export function PrinterGroups() {
  const { api } = useSession()
  const queryClient = useQueryClient()
  const ids = { name: useId(), group: useId(), printer: useId() }
  const groups = useQuery({ queryKey: ['printer-groups'], queryFn: () => unwrap(api.GET('/printer-groups/')) })
  const printers = useQuery({ queryKey: ['printers', 'all'], queryFn: () => unwrap(api.GET('/printers/', { params: { query: { limit: 100 } } })) })
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['printer-groups'] })
  const nameOf = (printerId: string) => printers.data?.items.find((p) => p.id === printerId)?.name ?? printerId

  const create = useMutation({ mutationFn: (name: string) => unwrap(api.POST('/printer-groups/', { body: { name } })), onSuccess: refresh })
  const remove = useMutation({ mutationFn: (id: string) => unwrap(api.DELETE('/printer-groups/{id}', { params: { path: { id } } })), onSuccess: refresh })
  const addPrinter = useMutation({
    mutationFn: ({ id, printerId }: { id: string; printerId: string }) => unwrap(api.PUT('/printer-groups/{id}/printers/{printerId}', { params: { path: { id, printerId } } })),
    onSuccess: refresh,
  })
  const removePrinter = useMutation({
    mutationFn: ({ id, printerId }: { id: string; printerId: string }) => unwrap(api.DELETE('/printer-groups/{id}/printers/{printerId}', { params: { path: { id, printerId } } })),
    onSuccess: refresh,
  })
  const grant = useMutation({
    mutationFn: ({ id, userId, role }: { id: string; userId: string; role: 'operator' | 'admin' }) =>
      unwrap(api.PUT('/printer-groups/{id}/staff/{userId}', { params: { path: { id, userId } }, body: { role } })),
    onSuccess: refresh,
  })
  const revoke = useMutation({
    mutationFn: ({ id, userId }: { id: string; userId: string }) => unwrap(api.DELETE('/printer-groups/{id}/staff/{userId}', { params: { path: { id, userId } } })),
    onSuccess: refresh,
  })

  const form = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    return new FormData(event.currentTarget)
  }
  const field = (data: FormData, name: string) => String(data.get(name) ?? '').trim()

  return (
    <section aria-labelledby="groups-heading">
      <h2 id="groups-heading">Printer groups</h2>
      <p>A person with a role in a group sees and controls only that group&apos;s printers and their print jobs. A global role holds in every group.</p>
      <ErrorAlert error={groups.error ?? printers.error} />
      {groups.data && (
        <DataTable columns={['Group', 'Printers', 'Staff']} actions>
          {groups.data.items.map((group) => (
            <tr key={group.id}>
              <td>{group.name}</td>
              <td>
                <ul>
                  {group.printerIds.map((printerId) => (
                    <li key={printerId}>
                      {nameOf(printerId)}{' '}
                      <button type="button" onClick={() => removePrinter.mutate({ id: group.id, printerId })} disabled={removePrinter.isPending}>
                        Remove <span className="visually-hidden">{nameOf(printerId)} from {group.name}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                <ul>
                  {group.staff.map((member) => (
                    <li key={member.userId}>
                      {member.userId} ({member.role}){' '}
                      <button type="button" onClick={() => revoke.mutate({ id: group.id, userId: member.userId })} disabled={revoke.isPending}>
                        Revoke <span className="visually-hidden">{member.userId} in {group.name}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                <button type="button" className="danger" onClick={() => remove.mutate(group.id)} disabled={remove.isPending}>
                  Delete <span className="visually-hidden">{group.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <ErrorAlert error={remove.error ?? removePrinter.error ?? revoke.error} />

      <h3>Create a group</h3>
      <form onSubmit={(e) => create.mutate(field(form(e), 'name'))} className="inline-form">
        <label htmlFor={ids.name}>Name</label>
        <input id={ids.name} name="name" type="text" required maxLength={120} autoComplete="off" />
        <button type="submit" disabled={create.isPending}>
          Create group
        </button>
      </form>
      <ErrorAlert error={create.error} />

      {groups.data && groups.data.items.length > 0 && (
        <>
          <h3>Put a printer in a group</h3>
          <form
            onSubmit={(e) => {
              const data = form(e)
              addPrinter.mutate({ id: field(data, 'group'), printerId: field(data, 'printer') })
            }}
            className="inline-form"
          >
            <label htmlFor={ids.group}>Group</label>
            <select id={ids.group} name="group" required>
              {groups.data.items.map((g) => (
                <option key={g.id} value={g.id}>{g.name}</option>
              ))}
            </select>
            <label htmlFor={ids.printer}>Printer</label>
            <select id={ids.printer} name="printer" required>
              {printers.data?.items.map((p) => (
                <option key={p.id} value={p.id}>{p.name}</option>
              ))}
            </select>
            <button type="submit" disabled={addPrinter.isPending}>
              Add printer
            </button>
          </form>
          <ErrorAlert error={addPrinter.error} />

          <h3>Give a role in a group</h3>
          <form
            onSubmit={(e) => {
              const data = form(e)
              grant.mutate({ id: field(data, 'group'), userId: field(data, 'userId'), role: data.get('role') === 'admin' ? 'admin' : 'operator' })
            }}
            className="inline-form"
          >
            <label htmlFor={`${ids.group}-grant`}>Group</label>
            <select id={`${ids.group}-grant`} name="group" required>
              {groups.data.items.map((g) => (
                <option key={g.id} value={g.id}>{g.name}</option>
              ))}
            </select>
            <UserRoleFields />
            <button type="submit" disabled={grant.isPending}>
              Give role
            </button>
          </form>
          <ErrorAlert error={grant.error} />
        </>
      )}
    </section>
  )
}
