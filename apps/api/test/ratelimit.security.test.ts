import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { auditRows, multipart, useApi } from './helper.ts'

const api = useApi()
// The same API behind a trusted proxy at 127.0.0.2 (nginx, in production).
const proxied = useApi({ TRUSTED_PROXIES: '127.0.0.2' })

async function burst(n: number, request: () => Promise<{ statusCode: number }>) {
  const codes: number[] = []
  for (let i = 0; i < n; i++) codes.push((await request()).statusCode)
  return codes
}

describe('rate limits (docs/product.md §3, §12)', () => {
  test('100/min per actor: the 101st request is 429 with Retry-After and X-RateLimit-*; another actor on the same IP is unaffected', async () => {
    const a = api.customer()
    const codes = await burst(100, () => api.app.inject({ method: 'GET', url: '/me', headers: a.auth, remoteAddress: '10.1.0.1' }))
    assert.ok(codes.every((c) => c === 200))
    const refused = await api.app.inject({ method: 'GET', url: '/me', headers: a.auth, remoteAddress: '10.1.0.1' })
    assert.equal(refused.statusCode, 429)
    assert.equal(refused.json().error.code, 'RATE_LIMITED')
    assert.ok(Number(refused.headers['retry-after']) > 0)
    assert.equal(refused.headers['x-ratelimit-limit'], '100')
    assert.equal(refused.headers['x-ratelimit-remaining'], '0')
    assert.ok(refused.headers['x-ratelimit-reset'])
    const b = api.customer()
    assert.equal((await api.app.inject({ method: 'GET', url: '/me', headers: b.auth, remoteAddress: '10.1.0.1' })).statusCode, 200)
  })

  test('the first refusal of a window is audited once as ratelimit.exceeded', async () => {
    const c = api.customer()
    await burst(103, () => api.app.inject({ method: 'GET', url: '/me', headers: c.auth }))
    await new Promise((r) => setTimeout(r, 200)) // the audit write is not on the request path
    const rows = await auditRows(api, { action: 'ratelimit.exceeded', actorId: c.id })
    assert.equal(rows.length, 1)
  })

  test('anonymous callers are keyed by IP; X-Forwarded-For from an untrusted peer is ignored', async () => {
    const codes = await burst(101, () =>
      api.app.inject({ method: 'GET', url: '/', remoteAddress: '10.2.0.1', headers: { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250)}` } }),
    )
    assert.equal(codes.filter((c) => c === 429).length, 1, 'spoofed X-Forwarded-For must not create fresh keys')
    assert.equal((await api.app.inject({ method: 'GET', url: '/', remoteAddress: '10.2.0.2' })).statusCode, 200)
  })

  test('behind a trusted proxy the forwarded client IP is the key; other peers cannot use the header', async () => {
    const viaProxy = (client: string) => proxied.app.inject({ method: 'GET', url: '/', remoteAddress: '127.0.0.2', headers: { 'x-forwarded-for': client } })
    assert.ok((await burst(100, () => viaProxy('203.0.113.7'))).every((c) => c === 200))
    assert.equal((await viaProxy('203.0.113.7')).statusCode, 429)
    assert.equal((await viaProxy('203.0.113.8')).statusCode, 200)
    // A direct client (not the proxy) sending the header is still keyed by its own address.
    const direct = await burst(101, () => proxied.app.inject({ method: 'GET', url: '/', remoteAddress: '10.3.0.1', headers: { 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}` } }))
    assert.equal(direct.filter((c) => c === 429).length, 1)
  })

  test('IPv6 clients are keyed by their /64 however they spell it; an IPv4-mapped client is its IPv4 address', async () => {
    const spellings = ['2001:db8:77::1', '2001:0DB8:0077:0:ffff::2', '2001:db8:77:0:1:2:3:4', '2001:db8:77::1.2.3.4']
    let i = 0
    const codes = await burst(100, () => api.app.inject({ method: 'GET', url: '/', remoteAddress: spellings[i++ % spellings.length] }))
    assert.ok(codes.every((c) => c === 200))
    assert.equal((await api.app.inject({ method: 'GET', url: '/', remoteAddress: '2001:db8:77:0::9' })).statusCode, 429)
    assert.equal((await api.app.inject({ method: 'GET', url: '/', remoteAddress: '2001:db8:78::1' })).statusCode, 200)
    const mapped = await burst(101, () => api.app.inject({ method: 'GET', url: '/', remoteAddress: i++ % 2 ? '10.6.0.1' : '::ffff:10.6.0.1' }))
    assert.equal(mapped.filter((c) => c === 429).length, 1)
  })

  test('failed authentications from one /64 share one budget, whatever the spelling', async () => {
    const spellings = ['2001:db8:99::1', '2001:DB8:99:0:0:0:0:2', '2001:0db8:0099:0000::3']
    let i = 0
    const codes = await burst(31, () => api.app.inject({ method: 'GET', url: '/me', remoteAddress: spellings[i++ % spellings.length], headers: { authorization: 'Bearer nope' } }))
    assert.ok(codes.slice(0, 30).every((c) => c === 401), codes.join(','))
    assert.equal(codes[30], 429)
    assert.equal((await api.app.inject({ method: 'GET', url: '/me', remoteAddress: '2001:db8:9a::1', headers: { authorization: 'Bearer nope' } })).statusCode, 401)
  })

  test('404 probing is rate-limited too', async () => {
    const codes = await burst(101, () => api.app.inject({ method: 'GET', url: `/probe/${Math.random()}`, remoteAddress: '10.4.0.1' }))
    assert.deepEqual([codes[0], codes.at(-1)], [404, 429])
  })

  test('failed authentications: > 30/min from one IP get 429, but a valid token from that IP still works', async () => {
    const ip = '10.5.0.1'
    const codes = await burst(31, () => api.app.inject({ method: 'GET', url: '/me', remoteAddress: ip, headers: { authorization: 'Bearer nope' } }))
    assert.ok(codes.slice(0, 30).every((c) => c === 401))
    assert.equal(codes[30], 429)
    const valid = api.customer()
    assert.equal((await api.app.inject({ method: 'GET', url: '/me', remoteAddress: ip, headers: valid.auth })).statusCode, 200)
    assert.equal((await api.app.inject({ method: 'GET', url: '/me', remoteAddress: '10.5.0.2', headers: { authorization: 'Bearer nope' } })).statusCode, 401)
  })

  test('POST /jobs/create allows 10/min per actor, refused before the body is read', async () => {
    const c = api.customer()
    const empty = multipart([{ name: 'title', value: 't' }])
    const codes = await burst(11, () => api.app.inject({ method: 'POST', url: '/jobs/create', headers: { ...c.auth, ...empty.headers }, payload: empty.payload }))
    assert.ok(codes.slice(0, 10).every((code) => code === 400), codes.join(','))
    assert.equal(codes[10], 429)
  })

  test('GET /stats/dashboard allows 30/min', async () => {
    const admin = await api.staff('admin')
    const codes = await burst(31, () => api.app.inject({ method: 'GET', url: '/stats/dashboard', headers: admin.auth }))
    assert.ok(codes.slice(0, 30).every((c) => c === 200), codes.join(','))
    assert.equal(codes[30], 429)
  })
})
