import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { revokeTokens, withTx } from '@printforge/db'
import { auditRows, randomId, useApi } from './helper.ts'

const api = useApi()
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const get = (url: string, token: string) => api.app.inject({ method: 'GET', url, headers: bearer(token) })
const revoke = (auth: Record<string, string>, payload: unknown) => api.app.inject({ method: 'POST', url: '/tokens/revoke', headers: auth, payload: payload as object })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Waits until the wall clock is in a later whole second than `cutOff`. */
const pastSecondOf = async (cutOff: Date) => {
  while (Math.floor(Date.now() / 1000) <= Math.floor(cutOff.getTime() / 1000)) await sleep(50)
}

describe('token revocation (docs/product.md §2)', () => {
  test('an admin revokes a customer: the old token gets 401 at once, a token minted afterwards works; audited', async () => {
    const admin = await api.staff('admin')
    const id = randomId('cus')
    const old = api.token({ actor_id: id })
    assert.equal((await get('/jobs', old)).statusCode, 200)
    const res = await revoke(admin.auth, { actorType: 'customer', actorId: id })
    assert.equal(res.statusCode, 200, res.body)
    const { revocation } = res.json()
    assert.deepEqual({ ...revocation, revokedBefore: 'x' }, { actorType: 'customer', actorId: id, revokedBefore: 'x' })
    const cutOff = new Date(revocation.revokedBefore)
    assert.ok(Math.abs(cutOff.getTime() - Date.now()) < 5_000)

    const refused = await get('/jobs', old)
    assert.equal(refused.statusCode, 401)
    assert.equal(refused.json().error.code, 'UNAUTHENTICATED')
    // Failures are audited in aggregate per source address; the row's reasons name this one.
    await api.app.authFailures.flush()
    const failures = await auditRows(api, { action: 'auth.failed' })
    assert.ok(failures.some((r) => (r.details as { reasons: { name: string }[] }).reasons.some((x) => x.name === 'token_revoked')))

    await pastSecondOf(cutOff)
    assert.equal((await get('/jobs', api.token({ actor_id: id }))).statusCode, 200)

    const [row] = await auditRows(api, { action: 'tokens.revoked', targetId: id })
    assert.equal(row?.actorId, admin.id)
    assert.equal(row?.targetType, 'customer')
    assert.deepEqual(row?.details, { revokedBefore: revocation.revokedBefore, reason: 'admin' })
  })

  test("iat has 1-second resolution: the cut-off's own second is refused, the next second passes", async () => {
    const admin = await api.staff('admin')
    const id = randomId('cus')
    const { revocation } = (await revoke(admin.auth, { actorType: 'customer', actorId: id })).json()
    const second = Math.floor(new Date(revocation.revokedBefore).getTime() / 1000)
    assert.equal((await get('/me', api.token({ actor_id: id, iat: second - 60 }))).statusCode, 401)
    assert.equal((await get('/me', api.token({ actor_id: id, iat: second }))).statusCode, 401)
    assert.equal((await get('/me', api.token({ actor_id: id, iat: second + 1 }))).statusCode, 200)
  })

  test('another instance revoking (no local forget) takes effect once the cached standing expires', async () => {
    const id = randomId('user')
    const token = api.token({ actor_id: id, actor_type: 'user' })
    assert.equal((await get('/me', token)).statusCode, 200) // caches "not revoked"
    await withTx(api.db, { actorId: 'elsewhere', role: 'system' }, (tx) => revokeTokens(tx, { target: { actorType: 'user', actorId: id }, by: { actorType: 'system', actorId: 'elsewhere' }, reason: 'test' }))
    await sleep(api.config.ROLE_CACHE_TTL_MS + 200)
    assert.equal((await get('/me', token)).statusCode, 401)
  })

  test('a customer revoked on another instance is refused after the next snapshot sync (≤ TTL)', async () => {
    const id = randomId('cus')
    const token = api.token({ actor_id: id })
    assert.equal((await get('/me', token)).statusCode, 200)
    await withTx(api.db, { actorId: 'elsewhere', role: 'system' }, (tx) => revokeTokens(tx, { target: { actorType: 'customer', actorId: id }, by: { actorType: 'system', actorId: 'elsewhere' }, reason: 'test' }))
    await sleep(api.config.ROLE_CACHE_TTL_MS + 300)
    assert.equal((await get('/me', token)).statusCode, 401)
  })

  test("customers' cut-offs come from the synced snapshot: many customers cost no database round trip each", async () => {
    const pool = api.app.db.pool
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown
    let checkouts = 0
    pool.connect = ((...args: unknown[]) => (checkouts++, connect(...args))) as typeof pool.connect
    try {
      // GET /me reads nothing from the database beyond the caller's standing.
      for (let i = 0; i < 40; i++) assert.equal((await get('/me', api.token({ actor_id: randomId('cus') }))).statusCode, 200)
    } finally {
      pool.connect = connect as typeof pool.connect
    }
    // At most the snapshot's own sync (every TTL) ran meanwhile.
    assert.ok(checkouts <= 2, `${checkouts} pooled connections for 40 customers`)
  })

  test('a revocation is per actor type: a customer sharing the id of a revoked user is unaffected', async () => {
    const admin = await api.staff('admin')
    const id = randomId('shared')
    const asCustomer = api.token({ actor_id: id })
    const asUser = api.token({ actor_id: id, actor_type: 'user' })
    assert.equal((await revoke(admin.auth, { actorType: 'user', actorId: id })).statusCode, 200)
    assert.equal((await get('/me', asUser)).statusCode, 401)
    assert.equal((await get('/me', asCustomer)).statusCode, 200)
  })

  test('DELETE /staff/:userId also revokes the removed member’s tokens, audited in one transaction', async () => {
    const admin = await api.staff('admin')
    const operator = await api.staff('operator')
    assert.equal((await api.app.inject({ method: 'GET', url: '/me', headers: operator.auth })).statusCode, 200)
    const res = await api.app.inject({ method: 'DELETE', url: `/staff/${operator.id}`, headers: admin.auth })
    assert.equal(res.statusCode, 204)
    // Without the revocation this would be 200 with role 'none'.
    assert.equal((await api.app.inject({ method: 'GET', url: '/me', headers: operator.auth })).statusCode, 401)
    const rows = (await auditRows(api, { targetId: operator.id })).filter((r) => r.action !== 'auth.failed')
    assert.deepEqual(rows.map((r) => [r.action, (r.details as { reason?: string }).reason]), [['tokens.revoked', 'staff.removed'], ['staff.changed', undefined]])
    assert.equal(rows[0]?.requestId, rows[1]?.requestId)
  })

  test('only admins revoke: no token 401, customer and operator 403', async () => {
    const body = { actorType: 'customer', actorId: randomId('cus') }
    assert.equal((await revoke({}, body)).statusCode, 401)
    assert.equal((await revoke(api.customer().auth, body)).statusCode, 403)
    assert.equal((await revoke((await api.staff('operator')).auth, body)).statusCode, 403)
    assert.equal((await revoke((await api.staff('none')).auth, body)).statusCode, 403)
    assert.equal((await auditRows(api, { action: 'tokens.revoked', targetId: body.actorId })).length, 0)
  })

  test('the body is strict: unknown fields, other actor types and ids no token can carry are 400', async () => {
    const admin = await api.staff('admin')
    for (const body of [
      { actorType: 'customer', actorId: 'cus_1', revokedBefore: '2999-01-01T00:00:00Z' },
      { actorType: 'system', actorId: 'cus_1' },
      { actorType: 'customer', actorId: "cus_1'; DROP TABLE staff;--" },
      { actorType: 'customer', actorId: 'x'.repeat(129) },
      { actorType: 'customer' },
    ]) {
      const res = await revoke(admin.auth, body)
      assert.equal(res.statusCode, 400, JSON.stringify(body))
      assert.equal(res.json().error.code, 'VALIDATION_FAILED')
    }
  })

  test('the route is rate-limited per admin (30 a minute)', async () => {
    const admin = await api.staff('admin')
    const statuses: number[] = []
    for (let i = 0; i < 31; i++) statuses.push((await revoke(admin.auth, { actorType: 'customer', actorId: randomId('cus') })).statusCode)
    assert.deepEqual([...new Set(statuses.slice(0, 30))], [200])
    assert.equal(statuses[30], 429)
  })
})
