import { createPrintForgeClient } from '@printforge/client'
import { unwrap } from '../api/errors'
import type { Me } from '../api/types'

/** Who the token belongs to, as the API sees it (GET /me): decides operator/admin or refused. */
export async function whoAmI(token: string): Promise<Me> {
  const client = createPrintForgeClient({ baseUrl: window.location.origin, token })
  return (await unwrap(client.GET('/me'))).me
}
