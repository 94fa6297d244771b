import { useEffect, useId, useState, type FormEvent } from 'react'
import { ApiError } from '../api/errors'
import { loadConfig, type ConsoleConfig } from './config'
import { medusaSignIn, SignInError } from './medusa'
import type { SignedInPerson } from './SignedIn'
import { tokenExpiry } from './token'
import { whoAmI } from './who-am-i'

type Status = { kind: 'idle' } | { kind: 'busy' } | { kind: 'error'; message: string; requestId?: string }

export function SignInPage({ notice, onSignedIn }: { notice: string | undefined; onSignedIn: (person: SignedInPerson) => void }) {
  const [config, setConfig] = useState<ConsoleConfig | null>(null)
  const [configError, setConfigError] = useState<string | null>(null)
  const [status, setStatus] = useState<Status>({ kind: 'idle' })
  const emailId = useId()
  const passwordId = useId()

  useEffect(() => {
    document.title = 'Sign in — PrintForge console'
    let live = true
    loadConfig().then(
      (loaded) => live && setConfig(loaded),
      (err: unknown) => live && setConfigError(err instanceof Error ? err.message : String(err)),
    )
    return () => {
      live = false
    }
  }, [])

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (!config) return
    const form = new FormData(event.currentTarget)
    const email = String(form.get('email') ?? '')
    const password = String(form.get('password') ?? '')
    setStatus({ kind: 'busy' })
    try {
      const token = await medusaSignIn(config.medusaUrl, email, password)
      const me = await whoAmI(token)
      if (me.role === 'customer' || me.role === 'none') {
        // The token is dropped here: it never reaches the console's state.
        setStatus({ kind: 'error', message: 'The console is for staff: this account has no operator or admin role.' })
        return
      }
      onSignedIn({ token, role: me.role, actorId: me.actorId, expiresAt: tokenExpiry(token) })
    } catch (err) {
      if (err instanceof ApiError) setStatus({ kind: 'error', message: err.message, ...(err.requestId ? { requestId: err.requestId } : {}) })
      else if (err instanceof SignInError) setStatus({ kind: 'error', message: err.message })
      else setStatus({ kind: 'error', message: 'Sign-in failed.' })
    }
  }

  return (
    <main className="sign-in">
      <h1>Sign in</h1>
      <p>The PrintForge staff console: sign in with your shop admin account.</p>
      {notice && <p className="notice" role="status">{notice}</p>}
      {configError && <p className="alert" role="alert">{configError}</p>}
      <form onSubmit={submit} className="stack">
        <label htmlFor={emailId}>Email</label>
        <input id={emailId} name="email" type="email" autoComplete="username" required />
        <label htmlFor={passwordId}>Password</label>
        <input id={passwordId} name="password" type="password" autoComplete="current-password" required />
        <button type="submit" disabled={!config || status.kind === 'busy'}>
          Sign in
        </button>
      </form>
      {status.kind === 'error' && (
        <p className="alert" role="alert">
          {status.message}
          {status.requestId && <span className="request-id"> (request {status.requestId})</span>}
        </p>
      )}
      {config?.devSignIn && (
        <p className="hint">
          Local development: <code>npm run dev</code> printed the local admin's and operator's e-mail and password when it started.
        </p>
      )}
    </main>
  )
}
