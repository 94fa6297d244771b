// The real API in-process, listening on a loopback port, and Medusa tokens for it: an HS256 JWT
// signed by hand with the run's random secret, as apps/worker/test/api-client.ts does.
import { createHmac } from 'node:crypto'
import { after, before } from 'node:test'
import { startInProcessApi, type InProcessApi } from '../scripts/served-document.ts'

export interface ListeningApi {
  baseUrl: string
  api: InProcessApi
  token(actorId: string, actorType?: 'customer' | 'user'): string
}

export function useListeningApi(): ListeningApi {
  const handle = {} as ListeningApi
  before(async () => {
    handle.api = await startInProcessApi()
    handle.baseUrl = await handle.api.app.listen({ host: '127.0.0.1', port: 0 })
    const secret = handle.api.config.JWT_SECRET
    if (!secret) throw new Error('the in-process API has no HS256 secret')
    handle.token = (actorId, actorType = 'customer') => {
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
      const now = Math.floor(Date.now() / 1000)
      const claims = { actor_id: actorId, actor_type: actorType, auth_identity_id: `authid_${actorId}`, app_metadata: {}, user_metadata: {}, iat: now, exp: now + 3600 }
      const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`
      return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
    }
  })
  after(async () => {
    await handle.api?.close()
  })
  return handle
}
