import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createPrintForgeClient, isPrintForgeError, type paths, type PrintForgeErrorBody } from '../src/index.ts'
import { useListeningApi } from './api.ts'

/** The API's error body as the served document types it (GET /me's 401). */
type ServedErrorBody = paths['/me']['get']['responses'][401]['content']['application/json']
// Compile-time: the client's error type and the served one describe the same object.
const _servedFitsOurs: PrintForgeErrorBody['error'] extends ServedErrorBody['error'] ? true : never = true
const _oursFitsServed: keyof ServedErrorBody['error'] extends keyof PrintForgeErrorBody['error'] ? true : never = true

const server = useListeningApi()

describe('@printforge/client against the real API (in-process, over HTTP)', () => {
  test('GET /health: typed success without a credential', async () => {
    const client = createPrintForgeClient({ baseUrl: server.baseUrl })
    const { data, error, response } = await client.GET('/health')
    assert.equal(response.status, 200)
    assert.equal(error, undefined)
    // `data.status` is typed as the literal 'ok'.
    const status: 'ok' | undefined = data?.status
    assert.equal(status, 'ok')
  })

  test('GET /me with a minted token: the caller, typed', async () => {
    const client = createPrintForgeClient({ baseUrl: server.baseUrl, token: server.token('cus_client_test') })
    const { data, error } = await client.GET('/me')
    assert.equal(error, undefined)
    assert.ok(data)
    const role: 'customer' | 'operator' | 'admin' | 'group_operator' | 'group_admin' | 'none' = data.me.role
    assert.deepEqual({ ...data.me, role }, { actorType: 'customer', actorId: 'cus_client_test', role: 'customer', groups: [] })
  })

  test('GET /me without a credential, and with a bad key: the typed error body', async () => {
    for (const options of [{}, { apiKey: 'pf_aaaaaaaaaaaa_not-a-real-secret' }, { token: 'not.a.jwt' }]) {
      const client = createPrintForgeClient({ baseUrl: server.baseUrl, ...options })
      const { data, error, response } = await client.GET('/me')
      assert.equal(data, undefined)
      assert.equal(response.status, 401, JSON.stringify(options))
      assert.ok(isPrintForgeError(error))
      assert.equal(error.error.code, 'UNAUTHENTICATED')
      assert.equal(typeof error.error.message, 'string')
      assert.match(error.error.requestId, /^[0-9a-f-]{36}$/)
    }
  })
})
