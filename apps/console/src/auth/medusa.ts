import { isLoopbackHost } from '@printforge/client'

export class SignInError extends Error {}

/**
 * Medusa's email/password sign-in for its admin users: 200 `{ token }` or 401. The password goes
 * over https only (plain http to this machine alone, for `npm run dev`). No cookie is sent or kept
 * (`credentials: 'omit'`): the token is held in memory only.
 */
export async function medusaSignIn(medusaUrl: string, email: string, password: string): Promise<string> {
  const url = new URL('auth/user/emailpass', medusaUrl.endsWith('/') ? medusaUrl : `${medusaUrl}/`)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new SignInError(`Refusing to send a password to ${url.origin}: the sign-in service must use https.`)
  }
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'omit',
      redirect: 'error',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email, password }),
    })
  } catch {
    throw new SignInError('The sign-in service could not be reached.')
  }
  if (response.status === 401 || response.status === 400) throw new SignInError('Wrong e-mail or password.')
  if (!response.ok) throw new SignInError(`Sign-in failed (${response.status}).`)
  const body = (await response.json().catch(() => ({}))) as { token?: unknown }
  if (typeof body.token !== 'string' || body.token === '') throw new SignInError('The sign-in service answered without a token.')
  return body.token
}
