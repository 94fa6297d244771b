// The dev sign-in (docs/console.md, "dev sign-in"): Medusa's POST /auth/user/emailpass for the
// local admin and operator, answered only on loopback, only to the console's origin, never in
// production. Its token must pass the API's own verification and claim rules.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'
import { after, before, describe, mock, test } from 'node:test'
import { createVerifier } from 'fast-jwt'
import { medusaIdentity } from '../../../apps/api/src/lib/medusa-claims.ts'
import { startDevAuth, type RunningDevAuth } from '../src/dev-auth.ts'

const secret = crypto.randomBytes(32).toString('base64url')
const CONSOLE = 'http://127.0.0.1:8080'
const admin = { email: 'admin@printforge.localhost', password: crypto.randomBytes(12).toString('base64url'), userId: 'user_dev_admin_x1' }
const operator = { email: 'operator@printforge.localhost', password: crypto.randomBytes(12).toString('base64url'), userId: 'user_dev_operator_y2' }

describe('dev sign-in server', () => {
  let auth: RunningDevAuth
  before(async () => {
    auth = await startDevAuth({ jwtSecret: secret, accounts: [admin, operator], allowedOrigins: [CONSOLE], nodeEnv: 'development' })
  })
  after(() => auth.stop())

  const signIn = (body: unknown, headers: Record<string, string> = { origin: CONSOLE }) =>
    fetch(`${auth.url}/auth/user/emailpass`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

  test('listens on loopback only', () => assert.match(auth.url, /^http:\/\/127\.0\.0\.1:\d+$/))

  test('the right e-mail and password get a token the API accepts, with Medusa\'s claims for a user', async () => {
    for (const account of [admin, operator]) {
      const res = await signIn({ email: account.email.toUpperCase(), password: account.password })
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('access-control-allow-origin'), CONSOLE)
      const { token } = (await res.json()) as { token: string }
      // What the API's auth plugin does: HS256 only, exp and iat required, then the claim rules.
      const claims = createVerifier({ key: secret, algorithms: ['HS256'], requiredClaims: ['exp', 'iat'] })(token) as Record<string, unknown>
      assert.deepEqual(medusaIdentity(claims), { actorType: 'user', actorId: account.userId, issuedAt: claims['iat'] })
      assert.deepEqual(claims['app_metadata'], { user_id: account.userId })
      assert.equal(claims['auth_provider'], 'emailpass')
      assert.equal((claims['exp'] as number) - (claims['iat'] as number), 86_400)
    }
  })

  test('a wrong password, an unknown e-mail or another account\'s password: 401 in Medusa\'s shape', async () => {
    for (const body of [{ email: admin.email, password: `${admin.password}x` }, { email: 'nobody@printforge.localhost', password: admin.password }, { email: admin.email, password: operator.password }]) {
      const res = await signIn(body)
      assert.equal(res.status, 401)
      assert.deepEqual(await res.json(), { type: 'unauthorized', message: 'Invalid email or password' })
    }
  })

  test('no timing shortcut: every account is compared in constant time, whatever matched', async () => {
    const spy = mock.method(crypto, 'timingSafeEqual')
    syncBuiltinESMExports()
    try {
      const calls: number[] = []
      for (const [email, password] of [[admin.email, admin.password], [admin.email, 'wrong'], ['unknown@x.test', 'wrong'], [operator.email, operator.password]] as const) {
        const before = spy.mock.callCount()
        await (await signIn({ email, password })).arrayBuffer()
        calls.push(spy.mock.callCount() - before)
      }
      assert.deepEqual(calls, [4, 4, 4, 4], 'two constant-time comparisons per account for every attempt')
    } finally {
      spy.mock.restore()
      syncBuiltinESMExports()
    }
  })

  test('CORS: the console\'s origin only, preflight included; another origin gets no token and no CORS header', async () => {
    const preflight = (origin: string) => fetch(`${auth.url}/auth/user/emailpass`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    const ok = await preflight(CONSOLE)
    assert.equal(ok.status, 204)
    assert.equal(ok.headers.get('access-control-allow-origin'), CONSOLE)
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/)
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /content-type/i)
    for (const origin of ['https://evil.example', 'http://127.0.0.1:8081', 'null']) {
      const refused = await preflight(origin)
      assert.equal(refused.status, 403)
      assert.equal(refused.headers.get('access-control-allow-origin'), null)
      const post = await signIn({ email: admin.email, password: admin.password }, { origin })
      assert.equal(post.status, 403)
      assert.equal(post.headers.get('access-control-allow-origin'), null)
      assert.equal(((await post.json()) as { token?: string }).token, undefined)
    }
  })

  test('bad input: 4xx, never a token or a 500', async () => {
    const post = (body: string, type = 'application/json') => fetch(`${auth.url}/auth/user/emailpass`, { method: 'POST', headers: { 'content-type': type }, body })
    assert.equal((await post('{')).status, 400)
    assert.equal((await post('null')).status, 400)
    assert.equal((await post(JSON.stringify({ email: admin.email, password: 1 }))).status, 400)
    assert.equal((await post(JSON.stringify({ email: admin.email, password: admin.password }), 'text/plain')).status, 415)
    assert.equal((await post(JSON.stringify({ email: admin.email, password: 'x'.repeat(8_000) }))).status, 413)
    assert.equal((await fetch(`${auth.url}/auth/user/emailpass`)).status, 405)
    assert.equal((await fetch(`${auth.url}/auth/customer/emailpass`, { method: 'POST' })).status, 404)
  })

  test('refuses to start under NODE_ENV=production', async () => {
    await assert.rejects(startDevAuth({ jwtSecret: secret, accounts: [admin], allowedOrigins: [CONSOLE], nodeEnv: 'production' }), /refuses to start with NODE_ENV=production/)
    const saved = process.env['NODE_ENV']
    process.env['NODE_ENV'] = 'production'
    try {
      await assert.rejects(startDevAuth({ jwtSecret: secret, accounts: [admin], allowedOrigins: [CONSOLE] }), /NODE_ENV=production/)
    } finally {
      if (saved === undefined) delete process.env['NODE_ENV']
      else process.env['NODE_ENV'] = saved
    }
  })
})
