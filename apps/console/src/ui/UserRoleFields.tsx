import { useId } from 'react'

/**
 * The "user id + role" pair of a grant form (a global staff role, or a role in a printer group):
 * labelled fields named `userId` and `role`, read by the form's submit handler.
 */
export function UserRoleFields() {
  const ids = { user: useId(), role: useId() }
  return (
    <>
      <label htmlFor={ids.user}>User id</label>
      <input id={ids.user} name="userId" type="text" required autoComplete="off" spellCheck={false} />
      <label htmlFor={ids.role}>Role</label>
      <select id={ids.role} name="role" defaultValue="operator">
        <option value="operator">operator</option>
        <option value="admin">admin</option>
      </select>
    </>
  )
}
