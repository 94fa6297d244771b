import assert from 'node:assert/strict'
import type { RouteFixture } from './fixtures.ts'
import { send, type Variation } from './send.ts'
import { ROLES, type Role, type SpecRoute } from './spec.ts'
import type { Caller, World } from './world.ts'

export interface Check {
  name: string
  run(world: World): Promise<void>
}

/** Methods whose body a server parses, and which cross-site forms send without a preflight (POST). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

/**
 * Sends the fixture's request, built for `owner`, as `caller` with one variation, and asserts the
 * answer. A customer caller owns what it asks for unless the check says otherwise: a 403 then
 * cannot come from the data being someone else's.
 */
function check(name: string, route: SpecRoute, fixture: RouteFixture, expect: { status: number | '2xx'; code?: string }, who: {
  caller?: Role
  owner?: 'caller' | 'other'
  variation?: Omit<Variation, 'auth'>
}): Check {
  return {
    name,
    async run(world) {
      const caller = who.caller ? await world.caller(who.caller) : undefined
      const owner: Caller = caller?.role === 'customer' && who.owner !== 'other' ? caller : await world.caller('customer')
      const req = await fixture.request(world, owner)
      assert.ok(Boolean(req.json) === route.jsonBody, `${route.key}: the document ${route.jsonBody ? 'has' : 'has no'} JSON body; the fixture must match`)
      assert.ok(Boolean(req.multipart) === Boolean(fixture.multipart), `${route.key}: fixture.multipart and the request it builds disagree`)
      const res = await send(world, route, req, { ...who.variation, ...(caller ? { auth: caller.auth } : {}) })
      const ok = expect.status === '2xx' ? res.statusCode >= 200 && res.statusCode < 300 : res.statusCode === expect.status
      assert.ok(ok, `${route.key} ${name}: answered ${res.statusCode} ${res.body.slice(0, 300)}`)
      if (expect.code) assert.equal((res.json() as { error?: { code?: string } }).error?.code, expect.code, `${route.key} ${name}: ${res.body.slice(0, 300)}`)
    },
  }
}

/** The role the body and content-type checks call as: the owner when customers may call. */
const actingRole = (roles: Role[]): Role => (roles.includes('customer') ? 'customer' : (roles[0] as Role))

/** Every check one protected route gets, from its documented shape and its fixture. */
export function checksFor(route: SpecRoute & { roles: Role[] }, fixture: RouteFixture): Check[] {
  const { roles } = route
  const as = actingRole(roles)
  const checks: Check[] = [check('no token → 401', route, fixture, { status: 401, code: 'UNAUTHENTICATED' }, {})]
  for (const role of ROLES) {
    checks.push(roles.includes(role)
      ? check(`as ${role} → 2xx (the fixture is a valid request)`, route, fixture, { status: '2xx' }, { caller: role })
      : check(`as ${role} → 403`, route, fixture, { status: 403, code: 'FORBIDDEN' }, { caller: role }))
  }
  if (fixture.tenant === 'customer') {
    checks.push(check("another customer's data → 404", route, fixture, { status: 404, code: 'NOT_FOUND' }, { caller: 'customer', owner: 'other' }))
  }
  const invalid = { status: 400, code: 'VALIDATION_FAILED' }
  if (route.jsonBody || fixture.multipart) checks.push(check('unknown body field → 400', route, fixture, invalid, { caller: as, variation: { extraField: 'body' } }))
  if (route.hasQuery) checks.push(check('unknown query field → 400', route, fixture, invalid, { caller: as, variation: { extraField: 'query' } }))
  if (BODY_METHODS.has(route.method)) {
    const unsupported = { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }
    const wrong: Variation['as'][] = ['text/plain', 'urlencoded', fixture.multipart ? 'json' : 'multipart']
    for (const type of wrong) checks.push(check(`${type} body → 415`, route, fixture, unsupported, { caller: as, variation: { as: type } }))
  }
  return checks
}
