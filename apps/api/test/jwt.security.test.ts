import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync, randomInt } from 'node:crypto'
import { describe, test } from 'node:test'
import { createSigner } from 'fast-jwt'
import { auditRows, randomId, useApi } from './helper.ts'

const api = useApi()
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsaPublic = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
// A second API that verifies RS256 with a public key, and requires iss and aud.
const rsApi = useApi({ JWT_ALGORITHM: 'RS256', JWT_SECRET: undefined, JWT_PUBLIC_KEY: rsaPublic, JWT_ISSUER: 'https://medusa.example.com', JWT_AUDIENCE: 'printforge' })

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)
const claims = (extra: Record<string, unknown> = {}) => ({ actor_id: randomId('cus'), actor_type: 'customer', auth_identity_id: 'authid_1', app_metadata: {}, user_metadata: {}, iat: now(), exp: now() + 3600, ...extra })
const hs = (alg: string, payload: object, secret: string | Buffer) => {
  const body = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`
  const digest = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg] ?? 'sha256'
  return `${body}.${createHmac(digest, secret).update(body).digest('base64url')}`
}
// Each case from its own address: this file's failures must not reach the per-IP limit.
const ip = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`

async function expect401(app = api.app, headers: Record<string, string> = {}, url = '/me') {
  const res = await app.inject({ method: 'GET', url, headers, remoteAddress: ip() })
  assert.equal(res.statusCode, 401, res.body)
  assert.equal(res.headers['www-authenticate'], 'Bearer')
  const body = res.json()
  assert.deepEqual({ ...body.error, requestId: 'x' }, { code: 'UNAUTHENTICATED', message: 'Authentication required.', requestId: 'x' })
  return res
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('JWT verification (docs/product.md §2, §12)', () => {
  test('a valid Medusa customer token is accepted', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/me', headers: bearer(api.token({ actor_id: 'cus_ok1' })) })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { me: { actorType: 'customer', actorId: 'cus_ok1', role: 'customer', groups: [] } })
  })

  test('no token, malformed headers and other schemes: 401', async () => {
    await expect401()
    for (const authorization of ['Bearer', 'Bearer abc', 'Bearer a.b.c', 'Basic dXNlcjpwYXNz', `bearer  ${'x'.repeat(20)}`, 'Token abc']) {
      await expect401(api.app, { authorization })
    }
  })

  test('alg none is rejected', async () => {
    await expect401(api.app, bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`))
    await expect401(api.app, bearer(`${b64({ alg: 'none' })}.${b64(claims())}`))
  })

  test('an algorithm of the allowed family but not the pinned one (HS384, HS512) is rejected', async () => {
    await expect401(api.app, bearer(hs('HS384', claims(), api.config.JWT_SECRET!)))
    await expect401(api.app, bearer(hs('HS512', claims(), api.config.JWT_SECRET!)))
  })

  test('RS/HS confusion: an HS256 token keyed with the RSA public key is rejected by the RS256 API', async () => {
    await expect401(rsApi.app, bearer(hs('HS256', claims({ iss: 'https://medusa.example.com', aud: 'printforge' }), rsaPublic)))
    // …and an RS256 token is rejected by the HS256 API.
    const rs = createSigner({ key: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'RS256' })
    await expect401(api.app, bearer(rs(claims())))
  })

  test('RS256 with required iss and aud: lacking or wrong claims fail, correct ones pass', async () => {
    const sign = createSigner({ key: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'RS256' })
    const good = { iss: 'https://medusa.example.com', aud: 'printforge' }
    const res = await rsApi.app.inject({ method: 'GET', url: '/me', headers: bearer(sign(claims(good))) })
    assert.equal(res.statusCode, 200, res.body)
    await expect401(rsApi.app, bearer(sign(claims({ aud: 'printforge' }))))
    await expect401(rsApi.app, bearer(sign(claims({ iss: 'https://medusa.example.com' }))))
    await expect401(rsApi.app, bearer(sign(claims({ ...good, iss: 'https://evil.example.com' }))))
    await expect401(rsApi.app, bearer(sign(claims({ ...good, aud: 'other-app' }))))
  })

  test('expired, not yet valid, and iat in the future are rejected, never 500', async () => {
    const secret = api.config.JWT_SECRET!
    await expect401(api.app, bearer(hs('HS256', claims({ iat: now() - 7200, exp: now() - 60 }), secret)))
    await expect401(api.app, bearer(hs('HS256', claims({ nbf: now() + 300 }), secret)))
    await expect401(api.app, bearer(hs('HS256', claims({ iat: now() + 600, exp: now() + 7200 }), secret)))
    // Inside the 30 s skew tolerance is fine.
    const skewed = await api.app.inject({ method: 'GET', url: '/me', headers: bearer(hs('HS256', claims({ exp: now() - 10 }), secret)) })
    assert.equal(skewed.statusCode, 200)
  })

  test('tampered signature or payload is rejected', async () => {
    const token = api.token()
    const [h, p, s] = token.split('.') as [string, string, string]
    await expect401(api.app, bearer(`${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`))
    const forged = b64({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), actor_type: 'user', actor_id: 'user_admin' })
    await expect401(api.app, bearer(`${h}.${forged}.${s}`))
  })

  test('missing or wrong claims are rejected', async () => {
    const secret = api.config.JWT_SECRET!
    const without = (key: string) => {
      const c: Record<string, unknown> = claims()
      delete c[key]
      return c
    }
    for (const key of ['exp', 'iat', 'actor_id', 'actor_type']) await expect401(api.app, bearer(hs('HS256', without(key), secret)))
    await expect401(api.app, bearer(hs('HS256', claims({ actor_id: '' }), secret)))
    await expect401(api.app, bearer(hs('HS256', claims({ actor_type: 'admin' }), secret)))
    await expect401(api.app, bearer(hs('HS256', claims({ actor_id: '../../etc' }), secret)))
    await expect401(api.app, bearer(hs('HS256', claims({ actor_id: 42 }), secret)))
    // iat is compared with revocation cut-offs: it must be a number, not text or null.
    await expect401(api.app, bearer(hs('HS256', claims({ iat: String(now()) }), secret)))
    await expect401(api.app, bearer(hs('HS256', claims({ iat: null }), secret)))
  })

  test('tokens meant for other purposes (password reset, invites) are rejected', async () => {
    const secret = api.config.JWT_SECRET!
    await expect401(api.app, bearer(hs('HS256', claims({ purpose: 'reset_password' }), secret)))
    await expect401(api.app, bearer(hs('HS256', { id: 'invite_01', email: 'new@example.com', iat: now(), exp: now() + 3600 }, secret)))
  })

  test('MFA (Medusa ≥ 2.21): mfa_enabled without a completed challenge is refused like any failure', async () => {
    const secret = api.config.JWT_SECRET!
    // Failures are audited per source address (expect401 uses a fresh one each time), in batches:
    // flush, then read the reasons of the row that carries this request's id.
    const reasonOf = async (res: { json(): { error: { requestId: string } } }) => {
      await api.app.authFailures.flush()
      const [row] = await auditRows(api, { action: 'auth.failed' }).then((rows) => rows.filter((r) => r.requestId === res.json().error.requestId))
      return (row?.details as { reasons?: { name: string }[] } | undefined)?.reasons?.map((r) => r.name).join(',')
    }
    for (const incomplete of [null, undefined, '', 0, false, 'not a date', {}, []]) {
      const res = await expect401(api.app, bearer(hs('HS256', claims({ mfa_enabled: true, mfa_challenge_completed_at: incomplete }), secret)))
      assert.equal(await reasonOf(res), 'mfa_incomplete', `completed_at ${JSON.stringify(incomplete)}`)
    }
    // A staff user is refused before any role is looked up: 401, not 403 or 200.
    const admin = await api.staff('admin')
    await expect401(api.app, bearer(api.token({ actor_id: admin.id, actor_type: 'user', mfa_enabled: true, mfa_challenge_completed_at: null })), '/staff')
    // mfa_enabled must be a boolean when present: no token Medusa signs says "true" or null.
    for (const odd of ['true', 1, null]) {
      const res = await expect401(api.app, bearer(hs('HS256', claims({ mfa_enabled: odd, mfa_challenge_completed_at: new Date().toISOString() }), secret)))
      assert.equal(await reasonOf(res), 'bad_mfa_claim')
    }
  })

  test('MFA: a completed challenge (ISO time or epoch), MFA off, or no MFA claims at all (older Medusa) pass', async () => {
    const admin = await api.staff('admin')
    const completed = { mfa_enabled: true, mfa_challenge_completed_at: new Date().toISOString() }
    const ok = [
      api.token(completed),
      api.token({ mfa_enabled: true, mfa_challenge_completed_at: now() }),
      api.token({ mfa_enabled: false, mfa_challenge_completed_at: null }),
      api.token(),
    ]
    for (const token of ok) assert.equal((await api.app.inject({ method: 'GET', url: '/me', headers: bearer(token) })).statusCode, 200)
    const staff = await api.app.inject({ method: 'GET', url: '/staff', headers: bearer(api.token({ actor_id: admin.id, actor_type: 'user', ...completed })) })
    assert.equal(staff.statusCode, 200)
  })

  test('a token outside the Authorization header is ignored', async () => {
    const token = api.token()
    await expect401(api.app, {}, `/me?token=${token}`)
    await expect401(api.app, {}, `/me?access_token=${token}`)
    await expect401(api.app, { cookie: `token=${token}; access_token=${token}` })
  })

  test('app_metadata grants nothing: a customer token claiming admin gets 403 on staff routes', async () => {
    const token = api.token({ app_metadata: { role: 'admin' }, role: 'admin' })
    const res = await api.app.inject({ method: 'GET', url: '/staff', headers: bearer(token) })
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().error.code, 'FORBIDDEN')
  })

  test('a Medusa user without a staff role has no rights; a revoked role stops working within the cache TTL', async () => {
    const nobody = await api.staff('none')
    assert.equal((await api.app.inject({ method: 'GET', url: '/staff', headers: nobody.auth })).statusCode, 403)
    const admin = await api.staff('admin')
    assert.equal((await api.app.inject({ method: 'GET', url: '/staff', headers: admin.auth })).statusCode, 200)
    const { SYSTEM_CONTEXT, withTx } = await import('@printforge/db')
    await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.staff.delete({ where: { userId: admin.id } }))
    await new Promise((r) => setTimeout(r, api.config.ROLE_CACHE_TTL_MS + 200))
    assert.equal((await api.app.inject({ method: 'GET', url: '/staff', headers: admin.auth })).statusCode, 403)
  })

  test('failures are audited as auth.failed with their reasons and counts, without the token', async () => {
    const token = `${api.token().slice(0, -4)}AAAA`
    await expect401(api.app, bearer(token))
    await api.app.authFailures.flush()
    const rows = await auditRows(api, { action: 'auth.failed' })
    assert.ok(rows.length > 0)
    const counted = rows.reduce((n, r) => n + (r.details as { count: number }).count, 0)
    assert.ok(counted > 5, `only ${counted} failures counted`)
    for (const row of rows) {
      assert.equal(row.actorType, 'anonymous')
      const reasons = (row.details as { reasons: { name: string; count: number }[] }).reasons
      assert.ok(reasons.length > 0 && reasons.every((r) => typeof r.name === 'string' && r.count > 0))
      assert.doesNotMatch(JSON.stringify({ ...row, id: String(row.id) }), /eyJ/, 'no token fragment in the audit row')
    }
  })

  test('a flood of failures from many addresses costs one audit transaction per interval, not one row per request', async () => {
    await api.app.authFailures.flush()
    const before = (await auditRows(api)).length
    const addresses = Array.from({ length: 150 }, (_, i) => `10.77.${i >> 8}.${i & 255}`)
    await Promise.all(addresses.flatMap((ip) => [1, 2].map(() => api.app.inject({ method: 'GET', url: '/me', remoteAddress: ip, headers: bearer('nope') }))))
    assert.equal((await auditRows(api)).length, before, 'nothing is written per request')
    await api.app.authFailures.flush()
    const rows = (await auditRows(api)).slice(before)
    // The 100 busiest addresses get a row each; the other 50 share one.
    assert.equal(rows.length, 101)
    assert.equal(rows.reduce((n, r) => n + (r.details as { count: number }).count, 0), 300)
    assert.ok(rows.slice(0, 100).every((r) => r.ip?.startsWith('10.77.') && (r.details as { count: number }).count === 2))
    assert.deepEqual(rows[100]?.details && { ...(rows[100].details as object), until: 'x' }, { count: 100, addresses: 50, aggregated: true, until: 'x' })
  })
})
