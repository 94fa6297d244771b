// Random raw HTTP requests (multipart uploads above all) against the REAL server process
// (dist/server.js, NODE_ENV=production): whatever the bytes, framing and headers, the process
// stays alive and never answers 500. Raw sockets, because a client library would refuse to send
// most of these. Seeded like the other fuzz suites (FUZZ_SEED).
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import pg from 'pg'
import { body as jsonBody, bodyPayload, forgery, headers as headerSpec, pct } from './fuzz.arbitraries.ts'
import { encodeMultipart, loadFiles, multipartBody, type Files, type Refs } from './fuzz.bodies.ts'
import { count, fuzz, noteUnavailable, report } from './fuzz.harness.ts'
import { rawRequest, spawnApi, type ApiProcess } from './process.ts'

const MAX_MODEL_BYTES = 64 * 1024
const RUNS = 300
const ADMINS = 150

/** Message framing: honest, or the games request smuggling and parser bugs are made of. */
type Framing = 'length' | 'short' | 'chunked' | 'badChunk' | 'lengthAndChunked' | 'twoLengths' | 'none'

const JSON_TARGETS: [string, string][] = [
  ['GET', '/jobs'], ['GET', '/jobs/{id}'], ['POST', '/jobs/{id}/cancel'], ['DELETE', '/jobs/{id}'], ['GET', '/jobs/{id}/images/{id}'],
  ['POST', '/printers'], ['PATCH', '/printers/{id}'], ['POST', '/printers/{id}/commands'], ['PUT', '/quota/{actor}'], ['PUT', '/staff/{actor}'],
  ['POST', '/manufacturing/{id}/cancel'], ['GET', '/audit'], ['GET', '/me/export'], ['GET', '/'], ['GET', '/health'], ['GET', '/docs/json'], ['OPTIONS', '/jobs'],
]

const target = fc.tuple(fc.constantFrom(...JSON_TARGETS), fc.oneof(fc.uuid(), fc.constantFrom('..', '%00', '%ZZ', '%2e%2e%2f', 'a'.repeat(300), '\u00e9', '{id}')), fc.constantFrom('', '?limit=1', '?cursor=%00', '?a=1&a=2', '?__proto__[x]=1'))

const request = fc.record({
  kind: fc.constantFrom('jobs', 'jobs', 'manufacturing', 'manufacturing', 'json', 'raw'),
  // The kind's own caller most of the time (customers upload scans, admins dispatch prints):
  // refused callers are answered before the body is read, and an IP-keyed budget runs out fast.
  who: fc.oneof({ weight: 8, arbitrary: fc.constant('owner' as const) }, { weight: 1, arbitrary: fc.constantFrom('customer' as const, 'admin' as const, 'anonymous' as const, 'forged' as const) }),
  forgery,
  multipart: fc.oneof(multipartBody('jobs'), multipartBody('manufacturing')),
  json: jsonBody(undefined),
  target,
  headers: headerSpec,
  framing: fc.oneof({ weight: 6, arbitrary: fc.constant<Framing>('length') }, { weight: 1, arbitrary: fc.constantFrom<Framing>('short', 'chunked', 'badChunk', 'lengthAndChunked', 'twoLengths', 'none') }),
  version: fc.oneof({ weight: 9, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 x', 'http/1.1') }),
  headerGame: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('X-Folded: a\r\n b\r\n', 'Bad Header: x\r\n', `X-Big: ${'b'.repeat(20_000)}\r\n`, 'Expect: 100-continue\r\n', `${'X-Many: 1\r\n'.repeat(120)}`, 'Host: evil.example.com\r\n', ': empty\r\n') }),
  rawGarbage: fc.uint8Array({ maxLength: 200 }),
  cut: fc.nat(),
})
type Case = typeof request extends fc.Arbitrary<infer T> ? T : never

function frame(framing: Framing, body: Buffer, cut: number): { lines: string[]; bytes: Buffer } {
  const chunked = (b: Buffer) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n0\r\n\r\n')])
  switch (framing) {
    case 'length':
      return { lines: [`Content-Length: ${body.length}`], bytes: body }
    case 'short':
      return { lines: [`Content-Length: ${cut % (body.length + 1)}`], bytes: body }
    case 'chunked':
      return { lines: ['Transfer-Encoding: chunked'], bytes: chunked(body) }
    case 'badChunk':
      return { lines: ['Transfer-Encoding: chunked'], bytes: Buffer.concat([Buffer.from('zz\r\n'), body]) }
    case 'lengthAndChunked':
      return { lines: [`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'], bytes: chunked(body) }
    case 'twoLengths':
      return { lines: [`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`], bytes: body }
    case 'none':
      return { lines: [], bytes: body }
  }
}

describe('the real server process under random raw requests', () => {
  let api: ApiProcess
  let files: Files
  const admins: string[] = []
  const refs: Refs = { printers: [randomUUID()], scanJobs: [randomUUID()] }
  const started = Date.now()

  before(async () => {
    api = await spawnApi({ env: { MAX_MODEL_BYTES: String(MAX_MODEL_BYTES) } })
    files = await loadFiles(MAX_MODEL_BYTES)
    // A pool of admins (5 dispatches a minute each); customers are fresh for every request.
    const tag = randomBytes(4).toString('hex')
    for (let i = 0; i < ADMINS; i++) admins.push(`user_fzp${tag}${i}`)
    const db = new pg.Client({ connectionString: api.database.superuserUrl })
    await db.connect()
    await db.query(`INSERT INTO staff (user_id, role, granted_by, updated_at) SELECT u, 'admin', 'fuzz', now() FROM unnest($1::text[]) u`, [admins])
    await db.end()
  })
  after(async () => {
    report(`process fuzz in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    await api?.stop()
  })

  let turn = 0
  function authorization(c: Case): string | undefined {
    turn++
    const who = c.who === 'owner' ? (c.kind === 'manufacturing' ? 'admin' : 'customer') : c.who
    if (who === 'customer') return `Bearer ${api.token({ actor_id: `cus_fzp${randomBytes(6).toString('hex')}`, actor_type: 'customer' })}`
    if (who === 'admin') return `Bearer ${api.token({ actor_id: admins[turn % ADMINS], actor_type: 'user' })}`
    if (who === 'forged') return c.forgery.kind === 'scheme' ? c.forgery.text : `Bearer ${randomBytes(20).toString('base64url')}.e30.x`
    return undefined
  }

  function build(c: Case): { head: string; bytes: Buffer } {
    let method = 'POST'
    let path: string
    let body: Buffer
    let contentType: string | undefined
    if (c.kind === 'jobs' || c.kind === 'manufacturing') {
      path = c.kind === 'jobs' ? '/jobs/create' : '/manufacturing/create'
      const encoded = encodeMultipart(refs, files, c.multipart)
      body = encoded.payload
      contentType = encoded.contentType
    } else {
      const [[m, template], id, query] = c.target
      method = m
      path = `${template.replaceAll('{id}', id).replace('{actor}', pct(id))}${query}`
      body = c.kind === 'raw' ? Buffer.from(c.rawGarbage) : Buffer.from(bodyPayload(c.json) ?? '')
      contentType = c.headers.contentType
    }
    const auth = authorization(c)
    const { lines, bytes } = frame(c.framing, body, c.cut)
    const head = [
      `${method} ${path} ${c.version}`,
      'Host: 127.0.0.1',
      ...(auth !== undefined ? [`Authorization: ${auth}`] : []),
      ...(contentType !== undefined ? [`Content-Type: ${contentType}`] : []),
      ...(c.headers.idempotencyKey !== undefined ? [`Idempotency-Key: ${c.headers.idempotencyKey}`] : []),
      ...(c.headers.origin !== undefined ? [`Origin: ${c.headers.origin}`] : []),
      ...c.headers.extra.map(([name, value]) => `${name}: ${value}`),
      ...lines,
      'Connection: close',
    ]
    return { head: `${head.join('\r\n')}\r\n${c.headerGame}\r\n`, bytes }
  }

  test(`${RUNS} random raw requests: the process stays up and never answers 5xx but 503`, async () => {
    await fuzz('process raw requests', RUNS, request, async (c) => {
      const { head, bytes } = build(c)
      const raw = await rawRequest(api.port, head, bytes)
      // The final answer: an interim 100 Continue may come first.
      const finals = [...raw.text.matchAll(/^HTTP\/1\.1 ([2-5]\d\d)/gm)]
      const res = { status: Number(finals.at(-1)?.[1] ?? raw.status), text: raw.text.slice(finals.at(-1)?.index ?? 0) }
      count(`process ${c.kind}`, res.status)
      if (res.status === 503) noteUnavailable(`process ${c.kind}`, res.text.slice(res.text.indexOf('\r\n\r\n') + 4))
      assert.ok(api.alive(), `the API process exited after:\n${head.slice(0, 2_000)}`)
      assert.ok(res.status < 500 || res.status === 503, `${res.status} for:\n${head.slice(0, 2_000)}\n${res.text.slice(0, 1_000)}`)
    })
    // An uncaught error ends the process within a tick or two of its request.
    await new Promise((r) => setTimeout(r, 300))
    assert.ok(api.alive(), 'the API process exited')
    assert.equal((await fetch(`${api.url}/health`)).status, 200)
  })
})
