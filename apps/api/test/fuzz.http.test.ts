// Property-based fuzzing of every route the router holds (security review: "fuzzing in the suite").
// Each case is a random caller, path parameters, query string, headers and body; every answer is
// held to the invariants of fuzz.world.ts `exercise`. Seeded (FUZZ_SEED) and bounded per route.
import assert from 'node:assert/strict'
import { after, before, describe, test, type TestContext } from 'node:test'
import fc from 'fast-check'
import { medusaIdentity } from '../src/lib/medusa-claims.ts'
import {
  body, bodyPayload, caller, forgery, headers, mergeHeader, nastyString, paramValue, pct, queryParts, queryString, remoteAddress,
  type Caller, type Forgery, type HeaderSpec,
} from './fuzz.arbitraries.ts'
import { assertSpecCovered, casesFor, fuzz, listRoutes, openProbe, report, routeLabel, type Probe, type RouteInfo } from './fuzz.harness.ts'
import { actor, exercise, forgedClaims, multipartRoutes, paramText, realCursors, seedWorld, type World } from './fuzz.world.ts'
import { useApi } from './helper.ts'
import { injectAnswer } from './inject-answer.ts'

// The production route table is what ships; development adds only the documentation UI.
const production = useApi({ NODE_ENV: 'production' })
const development = useApi({ NODE_ENV: 'development' })

/** Cases per route: enough to reach every branch the arbitraries aim at, few enough for CI. */
const runsFor = (r: RouteInfo) => (r.method === 'HEAD' ? 5 : r.url === '*' ? 40 : r.url.startsWith('/docs') ? 10 : 30)
/** Every route must get at least this many cases, or the coverage test fails. */
const MIN_CASES = 5

/** Invalid tokens that must never authenticate anyone (lower-case "bearer" and a doubled space are parsed leniently). */
function refusedForgery(f: Forgery) {
  if (f.kind === 'lowercase' || f.kind === 'doubleSpace') return false
  if (f.kind === 'claims') return typeof medusaIdentity(forgedClaims(f.claims)) === 'string'
  return true
}

const wildcardTail = fc.oneof(
  fc.webPath({ size: 'small' }),
  fc.constantFrom('jobs', 'jobs/create', 'printers/x/commands', 'index.html', 'swagger-initializer.js', '..%2f..%2fpackage.json', '%2e%2e/%2e%2e/etc/passwd', 'a%00b', '%ZZ', 'x'.repeat(300)),
  nastyString.map(pct),
)

function caseArbitrary(route: RouteInfo, cursors: string[], allowed: Caller[]) {
  const named = route.params.filter((p) => p !== '*')
  // Callers the route serves half of the time, so its own logic runs, not only its refusals.
  const who = allowed.length ? fc.oneof(fc.constantFrom(...allowed), caller) : caller
  const query = (route.operation?.parameters ?? []).filter((p) => p.in === 'query')
  const schema = route.operation?.requestBody?.content?.['application/json']?.schema
  return fc.record({
    who,
    forgery,
    pick: fc.nat(),
    method: fc.oneof({ weight: 12, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') }),
    params: fc.tuple(...named.map(() => paramValue)),
    tail: wildcardTail,
    query: queryParts(query, cursors),
    headers,
    body: body(schema),
    remote: remoteAddress,
  })
}
type Case = ReturnType<typeof caseArbitrary> extends fc.Arbitrary<infer T> ? T : never

function headerRecord(h: HeaderSpec, authorization: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (authorization !== undefined) out['authorization'] = authorization
  if (h.contentType !== undefined) out['content-type'] = h.contentType
  if (h.idempotencyKey !== undefined) out['idempotency-key'] = h.idempotencyKey
  if (h.origin !== undefined) out['origin'] = h.origin
  if (h.host !== undefined) out['host'] = h.host
  if (h.forwardedFor !== undefined) out['x-forwarded-for'] = h.forwardedFor
  if (h.preflight) {
    out['access-control-request-method'] = h.preflight.method
    out['access-control-request-headers'] = h.preflight.headers
  }
  for (const [name, value] of h.extra) mergeHeader(out, name, value)
  if (h.duplicate) mergeHeader(out, h.duplicate[0], h.duplicate[1])
  return out
}

function runCase(world: World, route: RouteInfo, label: string, facts: { isProtected: boolean; jsonOnly: boolean }, c: Case) {
  const who = actor(world, c.who, c.forgery, c.pick)
  const resolved: Record<string, string> = {}
  let i = 0
  const path = route.url.replace(/:([A-Za-z]+)|\*/g, (_m, name: string | undefined) => {
    if (!name) return route.url === '*' ? `/${c.tail}` : c.tail
    const value = paramText(world, route.url, name, c.params[i++]!, who, resolved)
    resolved[name] = value
    return value
  })
  const payload = bodyPayload(c.body)
  return exercise(world, {
    label,
    who: c.who,
    unauthenticated: c.who === 'anonymous' || (c.who === 'forged' && refusedForgery(c.forgery)),
    protectedRoute: facts.isProtected,
    jsonOnly: facts.jsonOnly,
    request: {
      method: c.method as 'GET',
      url: `${path}${queryString(c.query)}`,
      headers: headerRecord(c.headers, who.authorization),
      remoteAddress: c.remote,
      ...(payload !== undefined ? { payload } : {}),
    },
  })
}

/**
 * Who each route lets in, asked of the app itself: a bare request per caller, refused with 401 or
 * 403 or not. Routes that refuse anonymous callers are protected: they must stay refused whatever
 * else is sent.
 */
async function probeCallers(world: World, routes: RouteInfo[]) {
  const protectedSet = new Set<string>()
  const allowed = new Map<string, Caller[]>()
  for (const route of routes) {
    const callers: Caller[] = []
    for (const who of ['anonymous', 'customer', 'owner', 'operator', 'admin', 'none'] as const) {
      const identity = actor(world, who, { kind: 'wrongKey' }, 0)
      // A row that does not exist: the probe must change nothing (a DELETE would succeed on a real one).
      const url = route.url.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000').replace('*', 'x')
      const headers = identity.authorization ? { authorization: identity.authorization } : {}
      const res = await injectAnswer(world.api.app, { method: route.method as 'GET', url: url.startsWith('/') ? url : `/${url}`, headers, remoteAddress: '10.200.0.1' })
      if (res.statusCode !== 401 && res.statusCode !== 403) callers.push(who)
      else if (who === 'anonymous' && res.statusCode === 401) protectedSet.add(routeLabel(route))
    }
    allowed.set(routeLabel(route), callers)
  }
  world.last = undefined
  return { protectedSet, allowed }
}

interface Target {
  world: World
  routes: RouteInfo[]
  cursors: string[]
  protectedSet: Set<string>
  allowed: Map<string, Caller[]>
  multipart: Set<string>
}

async function prepare(api: typeof production): Promise<Target> {
  const probe: Probe = await openProbe(api)
  const world = await seedWorld(api, probe)
  const routes = listRoutes(api.app)
  assertSpecCovered(api.app, routes)
  return { world, routes, cursors: await realCursors(world), multipart: await multipartRoutes(world, routes), ...(await probeCallers(world, routes)) }
}

let prod: Target
let dev: Target

async function fuzzRoutes(t: TestContext, target: Target, routes: RouteInfo[], prefix: string) {
  for (const route of routes) {
    const label = `${prefix}${routeLabel(route)}`
    const facts = { isProtected: target.protectedSet.has(routeLabel(route)), jsonOnly: !target.multipart.has(routeLabel(route)) }
    const arb = caseArbitrary(route, target.cursors, target.allowed.get(routeLabel(route)) ?? [])
    await t.test(label, () => fuzz(label, runsFor(route), arb, (c) => runCase(target.world, route, label, facts, c).then(() => {})))
  }
}

describe('HTTP fuzz: every route, random and mutated requests, every caller', () => {
  // Inside the suite: the apps' own before hooks (useApi) have run by then.
  const started = Date.now()
  before(async () => {
    prod = await prepare(production)
    dev = await prepare(development)
  })
  after(async () => {
    report(`HTTP fuzz in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    await prod?.world.probe.close()
    await dev?.world.probe.close()
  })

  test('the production route table', async (t) => {
    assert.ok(prod.protectedSet.size > 15, `protected routes: ${[...prod.protectedSet].join(', ')}`)
    await fuzzRoutes(t, prod, prod.routes, '')
  })

  test('routes only development serves (the documentation UI)', async (t) => {
    const shipped = new Set(prod.routes.map(routeLabel))
    await fuzzRoutes(t, dev, dev.routes.filter((r) => !shipped.has(routeLabel(r))), 'dev ')
  })

  test('every route of both tables was fuzzed', () => {
    for (const [target, prefix] of [[prod, ''], [dev, 'dev ']] as const) {
      const shipped = new Set(prod.routes.map(routeLabel))
      for (const route of target.routes) {
        const label = target === dev && shipped.has(routeLabel(route)) ? routeLabel(route) : `${prefix}${routeLabel(route)}`
        assert.ok(casesFor(label) >= MIN_CASES || process.env['FUZZ_ROUTE'], `${label} got ${casesFor(label)} fuzz cases`)
      }
    }
  })
})
