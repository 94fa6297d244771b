import { checksFor, type Check } from './checks.ts'
import type { RouteFixture } from './fixtures.ts'
import type { Role, SpecRoute } from './spec.ts'

export interface Plan {
  /** Protected routes with a usable fixture, and their checks. */
  covered: { route: SpecRoute; checks: Check[] }[]
  /** Routes on the public allow-list. */
  public: SpecRoute[]
  /** Why the route table is not fully covered, one line per route, naming it. */
  problems: string[]
}

/**
 * Matches the documented routes against the fixture table. Everything that would let a route
 * ship unchecked is a problem: no roles outside the allow-list, no fixture, a customer-callable
 * path parameter without a tenant decision, a fixture (or allow-list entry) for a route the app
 * no longer serves.
 */
export function planRoutes(routes: SpecRoute[], fixtures: Record<string, RouteFixture>, publicRoutes: ReadonlySet<string>): Plan {
  const plan: Plan = { covered: [], public: [], problems: [] }
  const served = new Set(routes.map((r) => r.key))
  for (const route of routes) {
    if (publicRoutes.has(route.key)) {
      if (route.roles) plan.problems.push(`${route.key}: on the public allow-list but declares roles ${route.roles.join(',')}`)
      else plan.public.push(route)
      continue
    }
    const fixture = fixtures[route.key]
    const missing = [
      ...(route.roles?.length ? [] : ['declares no roles (config.roles) and is not on the public allow-list']),
      ...(fixture ? [] : ['has no fixture in test/route-security/fixtures.ts']),
    ]
    if (missing.length) {
      plan.problems.push(`${route.key}: ${missing.join('; ')}`)
      continue
    }
    const roles = route.roles as Role[]
    const def = fixture as RouteFixture
    if (route.pathParams.length && roles.includes('customer') && !def.tenant) {
      plan.problems.push(`${route.key}: customers may call it with a path parameter; its fixture must say whose data that names (tenant)`)
      continue
    }
    plan.covered.push({ route, checks: checksFor({ ...route, roles }, def) })
  }
  for (const key of Object.keys(fixtures)) if (!served.has(key)) plan.problems.push(`${key}: has a fixture but is not in the OpenAPI document`)
  for (const key of publicRoutes) if (!served.has(key)) plan.problems.push(`${key}: on the public allow-list but is not in the OpenAPI document`)
  return plan
}
