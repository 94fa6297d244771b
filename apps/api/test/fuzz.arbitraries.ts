// fast-check arbitraries for the HTTP fuzz suites: JSON bodies generated from each route's schema
// and then mutated, path parameters, query strings and cursors, headers, callers and tokens.
// Values that may be huge are symbolic ({ t: 'rep', n }) so a counterexample stays readable.
import fc from 'fast-check'
import type { Schema } from './fuzz.harness.ts'

// ------------------------------------------------------------------------------------------------
// JSON, with what JSON.stringify cannot write: duplicate and __proto__ keys, 1e309, deep nesting.

export type Json =
  | { t: 'lit'; v: null | boolean | number | string }
  | { t: 'raw'; text: string }
  | { t: 'rep'; unit: string; n: number }
  | { t: 'deep'; open: '[' | '{'; n: number }
  | { t: 'bigarr'; n: number }
  | { t: 'arr'; items: Json[] }
  | { t: 'obj'; entries: [string, Json][] }

export function serialize(j: Json): string {
  switch (j.t) {
    case 'lit':
      return JSON.stringify(j.v)
    case 'raw':
      return j.text
    case 'rep':
      return JSON.stringify(j.unit.repeat(j.n))
    case 'deep':
      return j.open === '[' ? `${'['.repeat(j.n)}${']'.repeat(j.n)}` : `${'{"a":'.repeat(j.n)}1${'}'.repeat(j.n)}`
    case 'bigarr':
      return `[${new Array<string>(j.n).fill('0').join(',')}]`
    case 'arr':
      return `[${j.items.map(serialize).join(',')}]`
    case 'obj':
      return `{${j.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`
  }
}

const lit = (v: null | boolean | number | string): Json => ({ t: 'lit', v })

/** Strings that have broken parsers, filters and databases before. */
export const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\u0007\u001b[31m', '\r\n', '\u202e', '\ufeff', '\ud800', '\udfff', '😀', 'ß', 'İ', 'ﬀ',
  '%00', '%ZZ', '%E0%A4%A', '..', '../../etc/passwd', '..%2f..%2f', '\\..\\', '%2e%2e', '/', '//', '?', '#', '&', '=', ';', '*',
  "'", '"', '`', '\\', "' OR 1=1 --", '$where', '{"$gt":""}', '<script>', '${jndi:x}', '{{7*7}}',
  'null', 'undefined', 'NaN', 'true', '0', '-1', '1e309', '0x10', '9223372036854775808', '__proto__', 'constructor', 'prototype',
  '127.0.0.1', '10.0.0.5', '192.168.1.20', '::1', 'fe80::1%eth0', '169.254.169.254', '8.8.8.8', 'localhost', '0.0.0.0',
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'X1C', 'P1S', 'admin', 'operator', 'customer',
  '2026-02-30T00:00:00Z', '1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '+275760-09-13T00:00:00.000Z',
]

export const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
)

/** A value of some type, to put where another type belongs. */
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  nastyString.map((s) => lit(s)),
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53 + 2, -(2 ** 31), 100_001).map((v) => lit(v)),
  fc.constantFrom('1e309', '-0', '1.0', '1E2', '-1e-400', '123456789012345678901234567890').map((text): Json => ({ t: 'raw', text })),
  fc.constantFrom<Json>({ t: 'arr', items: [] }, { t: 'obj', entries: [] }, { t: 'arr', items: [lit(1), lit('a')] }),
)

/** Sizes around the 64 KiB body limit and the schemas' own bounds. */
export const hugeLength = fc.constantFrom(121, 256, 257, 2_001, 8_001, 60_000, 65_536, 70_000, 200_000)

/** A valid value for a JSON schema (the subset TypeBox emits here), with nasty strings mixed in. */
export function fromSchema(schema: Schema | undefined, depth = 0, property?: string): fc.Arbitrary<Json> {
  if (!schema || depth > 6) return anyValue
  if (schema.const !== undefined) return fc.constant(lit(schema.const as string))
  if (schema.enum) return fc.constantFrom(...schema.enum).map((v) => lit(v as string))
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => fromSchema(s, depth + 1)))
  switch (schema.type) {
    case 'object': {
      const props = Object.entries(schema.properties ?? {})
      const required = new Set(schema.required ?? [])
      const entries = props.map(([k, s]) => {
        const value = fromSchema(s, depth + 1, k).map((v): [string, Json] => [k, v])
        return required.has(k) ? value.map((e) => [e]) : fc.option(value, { nil: undefined }).map((e) => (e ? [e] : []))
      })
      return fc.tuple(...entries).map((es): Json => ({ t: 'obj', entries: es.flat() }))
    }
    case 'array':
      return fc.array(fromSchema(schema.items, depth + 1), { maxLength: 5 }).map((items): Json => ({ t: 'arr', items }))
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? -1_000_000
      const max = schema.maximum ?? 1_000_000
      return fc.oneof({ weight: 4, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.constantFrom(min, max, min - 1, max + 1) }).map((v) => lit(v))
    }
    case 'boolean':
      return fc.boolean().map((v) => lit(v))
    case 'null':
      return fc.constant(lit(null))
    case 'string':
      return fc.oneof({ weight: 4, arbitrary: validString(schema, property) }, { weight: 1, arbitrary: nastyString }).map((v) => lit(v))
    default:
      return anyValue
  }
}

/**
 * Values a property of that name takes in practice, which random strings of the right length
 * almost never hit (a printer's host must be a private IP literal).
 */
const HINTS: Record<string, string[]> = {
  host: ['10.0.0.5', '192.168.1.20', '172.16.0.9', '127.0.0.1', '::1', 'fd00::5', 'fe80::1%eth0', '8.8.8.8', '169.254.169.254', 'printer.local'],
  name: ['Bambu 1', 'X1C left', 'a', 'n'.repeat(120)],
}

function validString(s: Schema, property?: string): fc.Arbitrary<string> {
  const hints = property ? HINTS[property] : undefined
  if (hints) return fc.constantFrom(...hints)
  if (s.format === 'uuid') return fc.uuid()
  if (s.format === 'date-time') return fc.date({ min: new Date(0), max: new Date(4_102_444_800_000), noInvalidDate: true }).map((d) => d.toISOString())
  const max = s.maxLength ?? 64
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).map((v) => v.slice(0, max))
  return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(max, 80) })
}

/** Keys a handler must never treat as data. */
const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'role', 'customerId', 'actorId', 'id', 'status', 'accessCodeCiphertext', '']

type Mutation =
  | { op: 'retype'; at: number; value: Json }
  | { op: 'addKey'; at: number; key: string; value: Json }
  | { op: 'dropKey'; at: number; index: number }
  | { op: 'dupKey'; at: number; index: number; value: Json }
  | { op: 'deep'; at: number; open: '[' | '{'; n: number }
  | { op: 'huge'; at: number; n: number; array: boolean }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('retype' as const), at: fc.nat(), value: anyValue }),
  fc.record({ op: fc.constant('addKey' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 10 })), value: anyValue }),
  fc.record({ op: fc.constant('dropKey' as const), at: fc.nat(), index: fc.nat() }),
  fc.record({ op: fc.constant('dupKey' as const), at: fc.nat(), index: fc.nat(), value: anyValue }),
  fc.record({ op: fc.constant('deep' as const), at: fc.nat(), open: fc.constantFrom('[' as const, '{' as const), n: fc.constantFrom(64, 1_000, 6_000, 20_000) }),
  fc.record({ op: fc.constant('huge' as const), at: fc.nat(), n: hugeLength, array: fc.boolean() }),
)

/** Pre-order list of the tree's nodes with a setter for each, so a mutation can pick one by index. */
function nodes(root: { j: Json }): { get: () => Json; set: (j: Json) => void }[] {
  const out: { get: () => Json; set: (j: Json) => void }[] = []
  const walk = (get: () => Json, set: (j: Json) => void) => {
    out.push({ get, set })
    const j = get()
    if (j.t === 'arr') j.items.forEach((_, i) => walk(() => j.items[i]!, (v) => (j.items[i] = v)))
    if (j.t === 'obj') j.entries.forEach((e) => walk(() => e[1], (v) => (e[1] = v)))
  }
  walk(() => root.j, (v) => (root.j = v))
  return out
}

const clone = (j: Json): Json => structuredClone(j)

function applyMutation(root: { j: Json }, m: Mutation) {
  const all = nodes(root)
  const objects = all.filter((n) => n.get().t === 'obj')
  const target = all[m.at % all.length]!
  // Values from the arbitraries are shared between cases: insert copies, never the originals.
  const value = 'value' in m ? clone(m.value) : lit(null)
  if (m.op === 'retype') return target.set(value)
  if (m.op === 'deep') return target.set({ t: 'deep', open: m.open, n: m.n })
  if (m.op === 'huge') return target.set(m.array ? { t: 'bigarr', n: Math.floor(m.n / 2) } : { t: 'rep', unit: 'x', n: m.n })
  const obj = objects[m.at % Math.max(1, objects.length)]?.get()
  if (obj?.t !== 'obj') return
  if (m.op === 'addKey') obj.entries.push([m.key, value])
  else if (obj.entries.length === 0) return
  else if (m.op === 'dropKey') obj.entries.splice(m.index % obj.entries.length, 1)
  else obj.entries.push([obj.entries[m.index % obj.entries.length]![0], value])
}

/** A body generated from the schema, then (half of the time) 1–3 mutations. */
export function mutatedJson(schema: Schema | undefined): fc.Arbitrary<Json> {
  const mutations = fc.oneof(fc.constant([]), fc.array(mutation, { minLength: 1, maxLength: 3 }))
  return fc.tuple(fromSchema(schema), mutations).map(([valid, ms]) => {
    const root = { j: clone(valid) }
    for (const m of ms) applyMutation(root, m)
    return root.j
  })
}

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; json: Json }
  | { kind: 'text'; text: string }
  | { kind: 'cut'; json: Json; at: number; garbage: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'huge'; n: number }

export function body(schema: Schema | undefined): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: schema ? 2 : 12, arbitrary: fc.constant<Body>({ kind: 'none' }) },
    { weight: 8, arbitrary: mutatedJson(schema).map((json): Body => ({ kind: 'json', json })) },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '"x"', '0', 'true', '{', '\ufeff{}', "{'a':1}", '{"a":1}//', 'NaN', '{"a":1}{"b":2}').map((text): Body => ({ kind: 'text', text })) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), json: mutatedJson(schema), at: fc.nat(), garbage: fc.constantFrom('', ',', '\u0000', '}}}', ' garbage') }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes): Body => ({ kind: 'bytes', bytes })) },
    { weight: 1, arbitrary: hugeLength.map((n): Body => ({ kind: 'huge', n })) },
  )
}

export function bodyPayload(b: Body): string | Buffer | undefined {
  switch (b.kind) {
    case 'none':
      return undefined
    case 'json':
      return serialize(b.json)
    case 'text':
      return b.text
    case 'cut': {
      const text = serialize(b.json)
      return text.slice(0, b.at % (text.length + 1)) + b.garbage
    }
    case 'bytes':
      return Buffer.from(b.bytes)
    case 'huge':
      return `{"a":"${'x'.repeat(b.n)}"}`
  }
}

// ------------------------------------------------------------------------------------------------
// Path parameters, query strings and cursors.

/** A reference resolved when the case runs: a row the caller owns, someone else's, or the caller itself. */
export type ParamValue = { ref: 'own' | 'other' | 'self'; pick: number } | { lit: string; raw: boolean }

export const paramValue: fc.Arbitrary<ParamValue> = fc.oneof(
  { weight: 20, arbitrary: fc.record({ ref: fc.constantFrom('own' as const, 'other' as const, 'self' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.uuid().map((u): ParamValue => ({ lit: u, raw: false })) },
  { weight: 1, arbitrary: fc.uuid().chain((u) => fc.constantFrom(u.toUpperCase(), `{${u}}`, u.replace(/-/g, ''), `${u} `, `${u}\u0000`, `${u}x`, u.slice(1))).map((lit): ParamValue => ({ lit, raw: false })) },
  { weight: 3, arbitrary: nastyString.map((lit): ParamValue => ({ lit, raw: false })) },
  { weight: 1, arbitrary: fc.constantFrom('%00', '%ZZ', '%E0%A4%A', '%', '%2F', '..%2F..%2Fme', '%c0%af', '%u0041', 'a%0Ab', '%ff%fe', '%F0%9F%98').map((lit): ParamValue => ({ lit, raw: true })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(255, 256, 257, 300, 2_000), fc.constantFrom('a', '1', 'é', '%41')).map(([n, c]): ParamValue => ({ lit: c.repeat(n), raw: c.startsWith('%') })) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_:.-]{1,40}$/).map((lit): ParamValue => ({ lit, raw: false })) },
)

const b64url = (s: string) => Buffer.from(s).toString('base64url')

/** Cursors: random base64url of random JSON, plausible shapes with wrong kinds, and real cursors mutated. */
export function cursor(real: string[]): fc.Arbitrary<string> {
  const realArb = real.length ? fc.constantFrom(...real) : fc.constant(b64url('["x"]'))
  return fc.oneof(
    // Real cursors a third of the time: a valid page is where the keyset query runs.
    { weight: 5, arbitrary: realArb },
    fc.jsonValue({ maxDepth: 3 }).map((v) => b64url(JSON.stringify(v))),
    fc.tuple(anyValue, anyValue).map(([a, b]) => b64url(`[${serialize(a)},${serialize(b)}]`)),
    fc.tuple(fc.date({ noInvalidDate: true }), fc.uuid()).map(([d, u]) => b64url(JSON.stringify([d.toISOString(), u]))),
    fc.tuple(realArb, fc.nat(), fc.constantFrom('A', '-', '_', '=', '+', '/', '%00', ' ', '')).map(([c, at, ch]) => {
      const i = at % (c.length + 1)
      return c.slice(0, i) + ch + c.slice(i + 1)
    }),
    realArb.map((c) => Buffer.from(c, 'base64url').toString('base64')),
    realArb.map((c) => {
      const parts = JSON.parse(Buffer.from(c, 'base64url').toString()) as unknown[]
      return b64url(JSON.stringify(parts.reverse()))
    }),
    nastyString,
    hugeLength.map((n) => 'A'.repeat(n)),
  )
}

export type QueryPart = { key: string; value: string; raw: boolean }

/** A query string: the route's documented keys with valid, wrong or huge values, plus unknown and repeated keys. */
export function queryParts(params: { name: string; schema: Schema }[], realCursors: string[]): fc.Arbitrary<QueryPart[]> {
  const known = params.map((p) => {
    const valid = p.name === 'cursor' ? cursor(realCursors) : fromSchema(p.schema).map((j) => (j.t === 'lit' && typeof j.v === 'string' ? j.v : serialize(j)))
    const value = fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: nastyString }, { weight: 1, arbitrary: hugeLength.map((n) => '9'.repeat(Math.min(n, 9_000))) })
    const part = value.map((v): QueryPart => ({ key: p.name, value: v, raw: false }))
    // Mostly absent or once; repeated keys (parameter pollution) now and then.
    return fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: part.map((q) => [q]) }, { weight: 1, arbitrary: fc.array(part, { minLength: 2, maxLength: 3 }) })
  })
  const extra = fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(
    fc.record({
      key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'limit[]', 'cursor[a]', 'customerId', 'role', '', '%00', 'a%ZZ', '&'), fc.string({ maxLength: 8 })),
      value: nastyString,
      raw: fc.boolean(),
    }),
    { minLength: 1, maxLength: 2 },
  ) })
  return fc.tuple(fc.tuple(...known), extra).map(([k, e]) => [...k.flat(), ...e])
}

/**
 * Percent-encodes the UTF-8 bytes of `s` as a client would send them (a lone surrogate becomes
 * U+FFFD, which encodeURIComponent would refuse to encode at all).
 */
export function pct(s: string): string {
  let out = ''
  for (const byte of Buffer.from(s, 'utf8')) out += /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  return out
}

export function queryString(parts: QueryPart[]): string {
  if (parts.length === 0) return ''
  const enc = (s: string, raw: boolean) => (raw ? pct(s).replace(/%25/g, '%').replace(/%3D/g, '=').replace(/%26/g, '&') : pct(s))
  return `?${parts.map((p) => `${enc(p.key, p.raw)}=${enc(p.value, p.raw)}`).join('&')}`
}

// ------------------------------------------------------------------------------------------------
// Callers, tokens and headers.

export type Caller = 'anonymous' | 'customer' | 'owner' | 'operator' | 'admin' | 'none' | 'forged'
export const caller: fc.Arbitrary<Caller> = fc.constantFrom('anonymous', 'customer', 'owner', 'operator', 'admin', 'none', 'forged')

/** Authorization forms a forged caller sends; `claims` ones are signed with the real key. */
export type Forgery =
  | { kind: 'scheme'; text: string }
  | { kind: 'claims'; claims: Record<string, unknown> }
  | { kind: 'wrongKey' | 'algNone' | 'hs512' | 'expired' | 'noExp' | 'lowercase' | 'doubleSpace' }
  | { kind: 'huge'; n: number }

export const forgery: fc.Arbitrary<Forgery> = fc.oneof(
  fc.constantFrom('Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Token abc', 'Bearer a.b.c', 'Bearer ..', 'Bearer e30.e30.', 'Bearer \u00e9\u00e9', 'bearer', ', Bearer x').map((text): Forgery => ({ kind: 'scheme', text })),
  fc.constantFrom<Forgery>({ kind: 'wrongKey' }, { kind: 'algNone' }, { kind: 'hs512' }, { kind: 'expired' }, { kind: 'noExp' }, { kind: 'lowercase' }, { kind: 'doubleSpace' }),
  fc.constantFrom(4_000, 9_000, 70_000).map((n): Forgery => ({ kind: 'huge', n })),
  fc
    .constantFrom<Record<string, unknown>>(
      { actor_type: 'admin' }, { actor_type: 'user', app_metadata: { role: 'admin' } }, { actor_id: '' }, { actor_id: null },
      { actor_id: 'cus_x', purpose: 'password_reset' }, { id: 'inv_1', email: 'a@b.c' }, { actor_id: 'a b' }, { actor_id: 'x'.repeat(200) },
      { actor_id: 7 }, { actor_id: '__proto__' }, { actor_type: 'customer', iat: 4_102_444_800 }, { actor_type: ['customer'] },
    )
    .map((claims): Forgery => ({ kind: 'claims', claims })),
)

/** Header values as an HTTP/1.1 parser lets them through: printable Latin-1, no CR, LF or NUL. */
const headerText = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS).map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '')),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 }),
)

export const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16',
  'APPLICATION/JSON', 'application/json;charset="utf-8"', 'application/json, text/plain', 'application/vnd.api+json', 'application/json;;',
  'text/plain', 'text/plain; charset=utf-8', 'text/html', 'application/xml', 'application/x-www-form-urlencoded', '*/*', '', ';', 'json',
  'multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=x', 'multipart/form-data; boundary="a b"',
  'multipart/form-data; charset=utf-8', 'multipart/mixed; boundary=x', 'application/octet-stream',
]

export interface HeaderSpec {
  contentType?: string
  idempotencyKey?: string
  origin?: string
  host?: string
  extra: [string, string][]
  /** Sent twice, as a client may: Node keeps the first of some headers and joins the rest. */
  duplicate?: [string, string]
  forwardedFor?: string
  preflight?: { method: string; headers: string }
}

/** `arb` with probability 1/`oneIn`, else absent: each header is usually sane, so deeper code runs too. */
const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number) => fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb })

export const headers: fc.Arbitrary<HeaderSpec> = fc.record({
  contentType: fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: headerText }, { weight: 2, arbitrary: fc.constant(undefined) }),
  idempotencyKey: sometimes(fc.oneof(fc.stringMatching(/^[\x21-\x7e]{1,40}$/), fc.constantFrom('', ' ', 'a b', 'é', 'k'.repeat(255), 'k'.repeat(256), 'k'.repeat(9_000)), headerText), 3),
  origin: sometimes(fc.constantFrom('https://shop.example.com', 'https://evil.example.com', 'null', 'https://shop.example.com.evil.com', '', 'x'.repeat(5_000)), 3),
  host: sometimes(fc.constantFrom('localhost', '127.0.0.1', '127.0.0.1:8000', 'LOCALHOST', 'localhost.', 'evil.example.com', '[::1]', '', ':', 'localhost:99999', 'a'.repeat(300), 'localhost, evil.example.com'), 8),
  extra: fc.oneof({ weight: 2, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom<string>('accept', 'accept-encoding', 'user-agent', 'cookie', 'x-request-id', 'expect', 'range', 'if-none-match', 'x-http-method-override', 'content-encoding', 'transfer-encoding'), headerText), { minLength: 1, maxLength: 3 }) }),
  duplicate: sometimes(fc.tuple(fc.constantFrom('content-type', 'authorization', 'idempotency-key', 'host', 'origin', 'x-forwarded-for'), headerText), 6),
  forwardedFor: sometimes(fc.constantFrom('1.2.3.4', '127.0.0.1, 10.0.0.1', 'garbage', '::1', ''), 5),
  preflight: sometimes(fc.record({ method: fc.constantFrom('GET', 'POST', 'DELETE', 'TRACE', '', 'post'), headers: fc.constantFrom('authorization', 'content-type', 'idempotency-key', 'x-evil', '') }), 5),
})

/** Peer addresses, fresh per case so IP-keyed budgets (anonymous rate limit, auth failures) do not pile up. */
export const remoteAddress: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.noBias(fc.ipV4()) },
  { weight: 3, arbitrary: fc.noBias(fc.ipV6()) },
  { weight: 1, arbitrary: fc.constantFrom('::ffff:10.1.2.3', 'fe80::1%lo0', '0.0.0.0', '::') },
)

/** Node's rules for a repeated request header (IncomingMessage): first wins, or values joined. */
const FIRST_WINS = new Set(['content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization', 'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires'])

export function mergeHeader(headers: Record<string, string>, name: string, value: string) {
  const current = headers[name]
  if (current === undefined) headers[name] = value
  else if (!FIRST_WINS.has(name)) headers[name] = `${current}${name === 'cookie' ? '; ' : ', '}${value}`
}
