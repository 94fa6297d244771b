import { createPrintForgeClient } from '@printforge/client'
import { unwrap } from '../api/errors'
import type { Me } from '../api/types'

export interface ConsoleConfig {
  medusaUrl: string
  devSignIn: boolean
}

/** GET /console/config.json (rendered by nginx from its template; docs/console.md "Runtime configuration"). */
export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store', credentials: 'omit' })
  if (!response.ok) throw new Error(`The console's configuration could not be loaded (${response.status}).`)
  const body = (await response.json()) as Partial<ConsoleConfig>
  if (typeof body.medusaUrl !== 'string' || body.medusaUrl === '') throw new Error("The console's configuration has no medusaUrl.")
  return { medusaUrl: body.medusaUrl, devSignIn: body.devSignIn === true }
}

export class SignInError extends Error {}

/**
 * Medusa's email/password sign-in for its admin users: 200 `{ token }` or 401. No cookie is sent or
 * kept (`credentials: 'omit'`): the token is held in memory only.
 */
export async function medusaSignIn(medusaUrl: string, email: string, password: string): Promise<string> {
  let response: Response
  try {
    response = await fetch(`${medusaUrl.replace(/\/+$/, '')}/auth/user/emailpass`, {
      method: 'POST',
      credentials: 'omit',
      cache: 'no-store',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email, password }),
    })
  } catch {
    throw new SignInError('The sign-in service could not be reached.')
  }
  if (response.status === 401 || response.status === 400) throw new SignInError('Wrong e-mail or password.')
  if (!response.ok) throw new SignInError(`Sign-in failed (${response.status}).`)
  const body = (await response.json()) as { token?: unknown }
  if (typeof body.token !== 'string' || body.token === '') throw new SignInError('The sign-in service answered without a token.')
  return body.token
}

/** Who the token belongs to, as the API sees it (GET /me). */
export async function whoAmI(token: string): Promise<Me> {
  const client = createPrintForgeClient({ baseUrl: window.location.origin, token })
  return (await unwrap(client.GET('/me'))).me
}
