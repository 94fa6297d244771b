import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx, type DbContext } from '@printforge/db'
import { bearer, createKey, insertKey, usedRows } from './api-keys.helpers.ts'
import { auditRows, useApi } from './helper.ts'
import { createWorld } from './route-security/world.ts'

// Every log line of this API instance, at debug level: no key may ever reach it.
let logs = ''
const logStream = new PassThrough()
logStream.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')))
const api = useApi({ LOG_LEVEL: 'debug' }, { logStream })

const post = (auth: Record<string, string>, payload: unknown) => api.app.inject({ method: 'POST', url: '/api-keys', headers: auth, payload: payload as object })
const keyCount = () => withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.apiKey.count())
const asKey = (id: string) => ({ actorId: id, role: 'api_key' }) as DbContext

describe('API key management (admins)', () => {

  test('POST /api-keys → 201 with the key once; GET lists it without key or digest; audited in the same transaction', async () => {
    const admin = await api.staff('admin')
    const res = await post(admin.auth, { name: 'medusa shop', scopes: ['orders:write', 'orders:read'], expiresAt: '2099-01-01T00:00:00Z', allowedCidrs: ['2001:DB8::/32', '203.0.113.0/24'] })
    assert.equal(res.statusCode, 201, res.body)
    const { apiKey, key } = res.json()
    assert.match(key, new RegExp(`^pf_${apiKey.id}_[A-Za-z0-9_-]{43}$`))
    assert.deepEqual(apiKey.scopes, ['orders:write', 'orders:read'])
    assert.deepEqual(apiKey.allowedCidrs, ['2001:db8::/32', '203.0.113.0/24'])
    assert.equal(apiKey.expiresAt, '2099-01-01T00:00:00.000Z')
    assert.equal(apiKey.createdBy, admin.id)
    const list = await api.app.inject({ method: 'GET', url: '/api-keys', headers: admin.auth })
    assert.equal(list.statusCode, 200)
    const listed = list.json().items.find((k: { id: string }) => k.id === apiKey.id)
    assert.deepEqual(Object.keys(listed).sort(), ['allowedCidrs', 'createdAt', 'createdBy', 'expiresAt', 'id', 'lastUsedAt', 'lastUsedIp', 'name', 'revokedAt', 'revokedBy', 'scopes'])
    const [audit] = await auditRows(api, { action: 'api_key.created', targetId: apiKey.id })
    assert.equal(audit?.actorId, admin.id)
    assert.equal(audit?.requestId, res.headers['x-request-id'] ?? audit?.requestId)
    assert.ok(!JSON.stringify(audit?.details).includes(key.slice(16)))
  })

  test('bad input is 400 and creates nothing', async () => {
    const admin = await api.staff('admin')
    const before = await keyCount()
    const cases: Record<string, unknown>[] = [
      { name: '', scopes: ['jobs:read'] },
      { name: 'x'.repeat(121), scopes: ['jobs:read'] },
      { name: 'n', scopes: [] },
      { name: 'n', scopes: ['admin'] },
      { name: 'n', scopes: ['jobs:read', 'staff:write'] },
      { name: 'n', scopes: ['jobs:read', 'jobs:read'] },
      { name: 'n', scopes: ['jobs:read'], expiresAt: '2020-01-01T00:00:00Z' },
      { name: 'n', scopes: ['jobs:read'], expiresAt: 'tomorrow' },
      { name: 'n', scopes: ['jobs:read'], allowedCidrs: ['10.0.0.1/8'] },
      { name: 'n', scopes: ['jobs:read'], allowedCidrs: ['10.0.0.0/33'] },
      { name: 'n', scopes: ['jobs:read'], allowedCidrs: ['10.1/8'] },
      { name: 'n', scopes: ['jobs:read'], allowedCidrs: ['not-an-address/8'] },
      { name: 'n', scopes: ['jobs:read'], allowedCidrs: ['10.0.0.0'] },
      { name: 'n', scopes: ['jobs:read'], allowedCidrs: ['::ffff:10.0.0.0/104'] },
      { name: 'n', scopes: ['jobs:read'], allowedCidrs: Array.from({ length: 33 }, (_, i) => `10.${i}.0.0/16`) },
      { name: 'n', scopes: ['jobs:read'], keyHash: 'a'.repeat(64) },
    ]
    for (const body of cases) {
      const res = await post(admin.auth, body)
      assert.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 120)}: ${res.statusCode} ${res.body}`)
      assert.equal(res.json().error.code, 'VALIDATION_FAILED')
    }
    assert.equal(await keyCount(), before)
  })

  test('DELETE of an unknown or malformed id: 404 / 400', async () => {
    const admin = await api.staff('admin')
    assert.equal((await api.app.inject({ method: 'DELETE', url: '/api-keys/abcdefghijkl', headers: admin.auth })).statusCode, 404)
    assert.equal((await api.app.inject({ method: 'DELETE', url: '/api-keys/NOT-AN-ID', headers: admin.auth })).statusCode, 400)
  })

  test('no key material anywhere: api_keys holds the digest, audit_log and the logs hold no key', async () => {
    const { id, key, admin } = await createKey(api, { scopes: ['printers:read'] })
    assert.equal((await api.app.inject({ method: 'GET', url: '/printers', headers: bearer(key) })).statusCode, 200)
    assert.equal((await api.app.inject({ method: 'GET', url: '/printers', headers: bearer(`${key.slice(0, -2)}zz`) })).statusCode, 401)
    assert.equal((await api.app.inject({ method: 'GET', url: `/printers?token=${key}`, headers: bearer(key) })).statusCode, 400)
    assert.equal((await api.app.inject({ method: 'DELETE', url: `/api-keys/${id}`, headers: admin.auth })).statusCode, 204)
    await usedRows(api, id, 2)
    await api.app.authFailures.flush()
    const secret = key.slice(16)
    const tables = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw<{ text: string }[]>`
      SELECT (SELECT string_agg(a::text, ' ') FROM audit_log a) || (SELECT string_agg(k::text, ' ') FROM api_keys k) AS text`)
    assert.ok(tables[0]?.text.includes(id), 'the audit log names the key by its id')
    assert.ok(!tables[0]?.text.includes(secret), 'no secret in audit_log or api_keys')
    assert.ok(logs.includes('"reason":"api_key_unknown"'), 'the logs were captured (they say why a key failed)')
    assert.ok(!logs.includes(secret) && !logs.includes(`${key.slice(0, -2)}zz`.slice(16)), 'no secret in the logs')
  })
})

describe('API key contexts in the database (RLS, app_has_scope)', () => {
  test('a key reads scan jobs and printers only with its scope, and nothing once revoked', async () => {
    const world = createWorld(api)
    await world.scanJob(await world.caller('customer'))
    await world.printer()
    const count = (ctx: DbContext) => withTx(api.db, ctx, async (tx) => [await tx.scanJob.count(), await tx.printer.count(), await tx.manufacturingJob.count()])
    const [scans, printers] = await count(SYSTEM_CONTEXT)
    assert.ok((scans ?? 0) > 0 && (printers ?? 0) > 0)

    const none = await insertKey(api, { scopes: ['orders:read', 'webhooks:manage'] })
    assert.deepEqual(await count(asKey(none.id)), [0, 0, 0])
    const both = await insertKey(api, { scopes: ['jobs:read', 'printers:read'] })
    const [s, p] = await count(asKey(both.id))
    assert.equal(s, scans)
    assert.equal(p, printers)
    await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.apiKey.update({ where: { id: both.id }, data: { revokedAt: new Date() } }))
    assert.deepEqual(await count(asKey(both.id)), [0, 0, 0])
    const expired = await insertKey(api, { scopes: ['jobs:read', 'printers:read'], expiresAt: new Date(Date.now() - 1_000) })
    assert.deepEqual(await count(asKey(expired.id)), [0, 0, 0])
    // A context naming an id that is not a key's has no scope either.
    assert.deepEqual(await count(asKey('zzzzzzzzzzzz')), [0, 0, 0])
  })

  test('a key sees its own row only, cannot change any key, and audits only in its own name', async () => {
    const a = await insertKey(api, { scopes: ['jobs:read'] })
    const b = await insertKey(api, { scopes: ['jobs:read'] })
    const rows = await withTx(api.db, asKey(a.id), (tx) => tx.apiKey.findMany({ select: { id: true } }))
    assert.deepEqual(rows, [{ id: a.id }])
    const changed = await withTx(api.db, asKey(a.id), (tx) => tx.$executeRaw`UPDATE api_keys SET scopes = ARRAY['orders:write', 'jobs:read', 'printers:read', 'orders:read', 'webhooks:manage'], revoked_at = NULL`)
    assert.equal(changed, 0)
    await assert.rejects(
      withTx(api.db, asKey(a.id), (tx) => tx.auditLog.createMany({ data: [{ actorType: 'api_key', actorId: b.id, action: 'api_key.used', details: {} }] })),
      /row-level security/,
    )
    await assert.rejects(withTx(api.db, asKey(a.id), (tx) => tx.$executeRaw`INSERT INTO api_keys (id, name, key_hash, scopes, allowed_cidrs, created_by) VALUES ('aaaaaaaaaaaa', 'x', ${'a'.repeat(64)}, ARRAY['jobs:read'], '{}', 'x')`))
  })
})
