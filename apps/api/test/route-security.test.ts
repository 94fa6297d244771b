import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { useApi } from './helper.ts'
import { FIXTURES, PUBLIC_ROUTES } from './route-security/fixtures.ts'
import { planRoutes, type Plan } from './route-security/plan.ts'
import { remoteAddress, createWorld } from './route-security/world.ts'
import { routesOf } from './route-security/spec.ts'

/**
 * The security checks every route gets (no token, wrong role, another tenant, unknown field,
 * wrong content type), generated from the running app's OpenAPI document. A route the document
 * shows without roles or without a fixture fails here by name. The hand-written
 * *.security.test.ts files go deeper per resource.
 */
const api = useApi()

describe('route security', () => {
  let plan: Plan
  // Suite-level: file-level `before` hooks run side by side, and this one needs useApi's app.
  before(() => {
    plan = planRoutes(routesOf(api.app.swagger()), FIXTURES, PUBLIC_ROUTES)
  })

  test('every documented route declares its roles (or is public) and has a fixture', () => {
    assert.deepEqual(plan.problems, [], `route table not covered:\n  ${plan.problems.join('\n  ')}`)
  })

  test('public routes answer without a token', async (t) => {
    for (const route of plan.public) {
      await t.test(route.key, async () => {
        const res = await api.app.inject({ method: route.method as 'GET', url: route.path, remoteAddress: remoteAddress() })
        assert.ok(res.statusCode !== 401 && res.statusCode !== 403, `${route.key}: answered ${res.statusCode}`)
      })
    }
  })

  test('protected routes: per-route checks', async (t) => {
    const world = createWorld(api)
    for (const { route, checks } of plan.covered) {
      await t.test(route.key, async (t) => {
        for (const check of checks) await t.test(check.name, () => check.run(world))
      })
    }
    const count = plan.covered.reduce((n, r) => n + r.checks.length, 0) + plan.public.length
    const routes = plan.covered.length + plan.public.length
    console.log(`route-security: ${routes} routes (${plan.covered.length} protected, ${plan.public.length} public), ${count} checks`)
  })
})
