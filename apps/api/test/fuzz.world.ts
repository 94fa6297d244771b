// The fuzz suites' world: seeded rows to aim at (each owner customer's jobs in every status,
// printers, print jobs, staff), callers with real and forged tokens, and `exercise`, which sends
// one request and holds its answer and the state around it to the invariants.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import type { InjectOptions } from 'fastify'
import { pct, type Caller, type Forgery, type ParamValue } from './fuzz.arbitraries.ts'
import { count, noteUnavailable, routeLabel, settle, takeEscapedErrors, violations, type Fingerprint, type Probe, type RouteInfo } from './fuzz.harness.ts'
import type { TestApi } from './helper.ts'
import { injectAnswer } from './inject-answer.ts'

const JOB_STATUSES = ['queued', 'processing', 'stored', 'failed', 'cancelled'] as const
const POOL = 600

export interface World {
  api: TestApi
  probe: Probe
  owners: string[]
  jobs: Map<string, string[]>
  images: Map<string, string[]>
  printers: string[]
  prints: string[]
  staffTargets: string[]
  operators: string[]
  admins: string[]
  turn: number
  last?: Fingerprint
}

/** Rows every route can aim at, inserted as the superuser (RLS would hide most of them otherwise). */
export async function seedWorld(api: TestApi, probe: Probe, owners = 12): Promise<World> {
  const tag = randomBytes(3).toString('hex')
  const world: World = {
    api, probe, owners: [], jobs: new Map(), images: new Map(), printers: [], prints: [], staffTargets: [], operators: [], admins: [], turn: 0,
  }
  const sql = (text: string, values: unknown[] = []) => probe.client.query(text, values)
  for (let o = 0; o < owners; o++) {
    const owner = `cus_fz${tag}${o}`
    world.owners.push(owner)
    const jobs: string[] = []
    const images: string[] = []
    for (const status of JOB_STATUSES) {
      const job = randomUUID()
      jobs.push(job)
      await sql(`INSERT INTO scan_jobs (id, customer_id, title, status, image_count, updated_at) VALUES ($1, $2, $3, $4, 2, now())`, [job, owner, `scan ${status}`, status])
      for (const stored of [true, false]) {
        const image = randomUUID()
        images.push(image)
        await sql(
          `INSERT INTO scan_images (id, job_id, customer_id, original_filename, content_type, bytes, status, quarantine_key, storage_key, updated_at)
           VALUES ($1, $2, $3, 'a.jpg', 'image/jpeg', 10, $4, $5, $6, now())`,
          [image, job, owner, stored ? 'stored' : 'quarantined', `quarantine/${job}/${image}`, stored ? `scans/${owner}/${job}/${image}.jpg` : null],
        )
      }
    }
    world.jobs.set(owner, jobs)
    world.images.set(owner, images)
    if (o % 3 === 0) await sql(`INSERT INTO customer_quotas (customer_id, monthly_limit, updated_by, updated_at) VALUES ($1, $2, 'fuzz', now())`, [owner, o === 0 ? 0 : 50])
  }
  for (let i = 0; i < 4; i++) {
    const id = randomUUID()
    world.printers.push(id)
    await sql(
      `INSERT INTO printers (id, name, model, serial, host, access_code_ciphertext, access_code_nonce, access_code_key_id, updated_at)
       VALUES ($1, $2, 'P1S', $3, '10.0.0.${i + 2}', '\\x00', '\\x00', 'k1', now())`,
      [id, `printer ${i}`, `FZ${tag.toUpperCase()}${i}000`],
    )
    await sql(`INSERT INTO printer_status (printer_id, online, gcode_state, updated_at) VALUES ($1, $2, $3, now())`, [id, i < 2, i === 1 ? 'RUNNING' : 'IDLE'])
  }
  for (const [i, status] of (['queued', 'printing', 'completed', 'failed', 'uploading'] as const).entries()) {
    const id = randomUUID()
    world.prints.push(id)
    await sql(
      `INSERT INTO manufacturing_jobs (id, printer_id, status, ams_mapping, file_key, file_name, file_bytes, file_sha256, created_by, updated_at)
       VALUES ($1, $2, $3, '{}', $4, 'a.gcode.3mf', 10, repeat('a', 64), 'fuzz', now())`,
      [id, world.printers[i % world.printers.length], status, `models/${id}/model.gcode.3mf`],
    )
    await sql(`INSERT INTO manufacturing_job_events (job_id, from_status, to_status) VALUES ($1, NULL, 'queued')`, [id])
  }
  // Staff callers come from pools inserted up front: a case then writes nothing before it runs,
  // and each caller's own rate-limit budget is fresh.
  const pool = async (role: string, name: string, into: string[], n: number) => {
    const ids = Array.from({ length: n }, (_, i) => `user_fz${tag}${name}${i}`)
    into.push(...ids)
    await sql(`INSERT INTO staff (user_id, role, granted_by, updated_at) SELECT u, $2::"StaffRole", 'fuzz', now() FROM unnest($1::text[]) u`, [ids, role])
  }
  await pool('admin', 'ta', world.staffTargets, 2)
  await pool('operator', 'to', world.staffTargets, 1)
  await pool('operator', 'o', world.operators, POOL)
  await pool('admin', 'a', world.admins, POOL)
  world.last = undefined
  return world
}

/** A real cursor from each list route, for the cursor arbitraries to mutate. */
export async function realCursors(world: World): Promise<string[]> {
  const out: string[] = []
  const admin = bearer(world, { actor_id: world.admins[POOL - 1], actor_type: 'user' })
  for (const url of ['/jobs', '/printers', '/manufacturing', '/audit']) {
    const res = await world.api.app.inject({ method: 'GET', url: `${url}?limit=1`, headers: { authorization: admin }, remoteAddress: '10.9.9.9' })
    const next = (res.json() as { nextCursor?: string }).nextCursor
    if (next) out.push(next)
  }
  assert.ok(out.length >= 3, `expected real cursors, got ${out.length}`)
  world.last = undefined
  return out
}

// ------------------------------------------------------------------------------------------------
// Callers and tokens.

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

function bearer(world: World, claims: Record<string, unknown>) {
  const sign = createSigner({ key: world.api.config.JWT_SECRET as string, algorithm: 'HS256' })
  return `Bearer ${sign({ iat: now(), exp: now() + 3_600, auth_identity_id: 'authid_fz', app_metadata: {}, ...claims })}`
}

const customerClaims = () => ({ actor_id: `cus_fz${randomBytes(6).toString('hex')}`, actor_type: 'customer', iat: now(), exp: now() + 3_600 })

/**
 * Every claim a `claims` forgery's token carries (a valid customer's, overridden by the forgery's):
 * the oracle judges these, so it can never disagree with the token actually sent.
 */
export const forgedClaims = (claims: Record<string, unknown>) => ({ auth_identity_id: 'authid_fz', app_metadata: {}, ...customerClaims(), ...claims })

function forge(world: World, f: Forgery): string {
  const claims = customerClaims()
  const key = world.api.config.JWT_SECRET as string
  switch (f.kind) {
    case 'scheme':
      return f.text
    case 'claims':
      return bearer(world, forgedClaims(f.claims))
    case 'wrongKey':
      return `Bearer ${createSigner({ key: randomBytes(32).toString('hex'), algorithm: 'HS256' })(claims)}`
    case 'algNone':
      return `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`
    case 'hs512':
      return `Bearer ${createSigner({ key, algorithm: 'HS512' })(claims)}`
    case 'expired':
      return bearer(world, { ...claims, iat: now() - 7_200, exp: now() - 3_600 })
    case 'noExp':
      return `Bearer ${createSigner({ key, algorithm: 'HS256' })({ actor_id: claims.actor_id, actor_type: 'customer', iat: now() })}`
    case 'lowercase':
      return bearer(world, claims).replace('Bearer', 'bearer')
    case 'doubleSpace':
      return bearer(world, claims).replace('Bearer ', 'Bearer  ')
    case 'huge':
      return `Bearer ${'A'.repeat(f.n)}.${'B'.repeat(10)}.${'C'.repeat(10)}`
  }
}

export interface Actor {
  authorization?: string
  actorId?: string
  /** The customer whose rows count as "own" (owners only). */
  owner?: string
  staff: boolean
}

/** The caller's identity for one case; staff come from the pools, customers are fresh. */
export function actor(world: World, who: Caller, forgery: Forgery, pick: number): Actor {
  world.turn++
  const fresh = (prefix: string) => `${prefix}_fz${randomBytes(6).toString('hex')}`
  switch (who) {
    case 'anonymous':
      return { staff: false }
    case 'forged':
      return { authorization: forge(world, forgery), staff: false }
    case 'customer': {
      const id = fresh('cus')
      return { authorization: bearer(world, { actor_id: id, actor_type: 'customer' }), actorId: id, staff: false }
    }
    case 'owner': {
      const id = world.owners[pick % world.owners.length]!
      return { authorization: bearer(world, { actor_id: id, actor_type: 'customer' }), actorId: id, owner: id, staff: false }
    }
    case 'none': {
      const id = fresh('user')
      return { authorization: bearer(world, { actor_id: id, actor_type: 'user' }), actorId: id, staff: false }
    }
    case 'operator':
    case 'admin': {
      const pool = who === 'admin' ? world.admins : world.operators
      const id = pool[world.turn % (POOL - 1)]!
      return { authorization: bearer(world, { actor_id: id, actor_type: 'user' }), actorId: id, staff: true }
    }
  }
}

/** A path parameter's value: a seeded row picked by the ref, or the literal (percent-encoded unless raw). */
export function paramText(world: World, url: string, name: string, value: ParamValue, who: Actor, resolved: Record<string, string>): string {
  if ('lit' in value) return value.raw ? value.lit : pct(value.lit)
  const at = <T>(list: T[]) => list[value.pick % list.length]!
  const others = world.owners.filter((o) => o !== who.owner)
  const ownerOf = value.ref === 'other' ? at(others) : (who.owner ?? at(world.owners))
  // The caller's own id where a parameter names an actor; elsewhere "self" means "own".
  if (value.ref === 'self' && (name === 'customerId' || name === 'userId')) return pct(who.actorId ?? at(world.owners))
  if (name === 'customerId') return ownerOf
  if (name === 'userId') return value.ref === 'other' ? at(world.operators) : at(world.staffTargets)
  if (name === 'imageId') {
    // An image of the job already chosen when there is one: the pair exists.
    const job = resolved['id']
    const owner = world.owners.find((o) => world.jobs.get(o)?.includes(job ?? '')) ?? ownerOf
    const jobIndex = world.jobs.get(owner)?.indexOf(job ?? '') ?? -1
    const images = world.images.get(owner) ?? []
    return value.ref !== 'other' && jobIndex >= 0 ? images[jobIndex * 2 + (value.pick % 2)]! : at(images)
  }
  if (url.startsWith('/printers')) return at(world.printers)
  if (url.startsWith('/manufacturing')) return at(world.prints)
  if (url.startsWith('/jobs')) return at(world.jobs.get(ownerOf) ?? [])
  return at([...world.printers, ...world.prints, ...(world.jobs.get(ownerOf) ?? [])])
}

/**
 * The routes that parse multipart bodies, asked of the app: multipart parsing is registered per
 * scope, and every other route answers 415 to it (or refuses the caller before reading it).
 */
export async function multipartRoutes(world: World, routes: RouteInfo[]): Promise<Set<string>> {
  const found = new Set<string>()
  for (const route of routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))) {
    const url = route.url.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000')
    for (const who of ['customer', 'operator', 'admin'] as const) {
      const { authorization } = actor(world, who, { kind: 'wrongKey' }, 0)
      const headers = { authorization: authorization ?? '', 'content-type': 'multipart/form-data; boundary=x' }
      const res = await world.api.app.inject({ method: route.method as 'POST', url, payload: '--x--\r\n', headers, remoteAddress: '10.77.0.1' })
      if (![401, 403, 415].includes(res.statusCode)) found.add(routeLabel(route))
    }
  }
  world.last = undefined
  return found
}

// ------------------------------------------------------------------------------------------------
// One case.

export interface Exercise {
  label: string
  request: InjectOptions & { method: string; url: string }
  who: Caller
  /** Must this caller be refused (no valid identity) on a protected route? */
  unauthenticated: boolean
  protectedRoute: boolean
  /** A JSON-only route (docs/product.md §3): it never accepts (2xx) a body of another content type. */
  jsonOnly?: boolean
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const mediaType = (value: unknown) => (typeof value === 'string' ? value.split(';')[0]!.trim().toLowerCase() : undefined)

/**
 * Sends one request and checks: inject does not throw, the answer keeps the invariants (no 5xx
 * but 503, the error shape, no internals), no error escaped, an unauthenticated caller never gets
 * a 2xx from a protected route, and a 4xx changed nothing (rows, objects, audit actions).
 */
export async function exercise(world: World, x: Exercise): Promise<number> {
  const { app } = world.api
  const before = world.last ?? (await world.probe.snapshot())
  world.last = undefined
  let res
  try {
    res = await injectAnswer(app, x.request)
  } catch (err) {
    assert.fail(`inject threw: ${(err as Error).stack ?? String(err)}`)
  }
  await settle(app)
  const problems = violations(x.request.method, { statusCode: res.statusCode, headers: res.headers, body: res.body })
  const escaped = takeEscapedErrors()
  if (escaped.length) problems.push(`errors escaped the request: ${escaped.map((e) => (e as Error)?.stack ?? String(e)).join('\n')}`)
  if (x.unauthenticated && x.protectedRoute && res.statusCode < 300) problems.push(`unauthenticated ${x.who} got ${res.statusCode}`)
  const type = mediaType(x.request.headers?.['content-type'])
  if (x.jsonOnly && WRITES.has(x.request.method) && type !== undefined && type !== 'application/json' && res.statusCode < 300) {
    problems.push(`a JSON route accepted ${type}`)
  }
  const after = await world.probe.snapshot()
  if (res.statusCode >= 400 && res.statusCode < 500) problems.push(...(await world.probe.changes(before, after)).map((c) => `state changed on ${res.statusCode}: ${c}`))
  world.last = after
  count(x.label, res.statusCode)
  // FUZZ_DEBUG=1 prints every answer (with FUZZ_ROUTE: what one route's cases reach).
  if (process.env['FUZZ_DEBUG']) console.log(res.statusCode, x.request.method, x.request.url.slice(0, 120), res.body.slice(0, 160))
  if (res.statusCode === 503) noteUnavailable(x.label, res.body)
  if (problems.length) assert.fail(`${x.request.method} ${x.request.url.slice(0, 300)} → ${res.statusCode}\n${problems.join('\n')}\nbody: ${res.body.slice(0, 500)}`)
  return res.statusCode
}
