import type { FastifyPluginAsync } from 'fastify'
import { sendError } from '../../plugins/app/errors.js'
import audit from './audit.js'
import jobs from './jobs/index.js'
import manufacturing from './manufacturing.js'
import me from './me.js'
import printers from './printers.js'
import quota from './quota.js'
import staff from './staff.js'
import stats from './stats.js'
import tokens from './tokens.js'

/**
 * Every authenticated route lives in this encapsulated scope: its hooks authenticate, then
 * authorize by the roles each route declares. Default deny: a route that declares no roles
 * makes the server refuse to boot.
 */
const protectedRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('onRoute', (route) => {
    if (!route.config?.roles?.length) throw new Error(`protected route ${route.method} ${route.url} declares no roles`)
  })
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', async (request, reply) => {
    const allowed = request.routeOptions.config.roles ?? []
    if (!request.principal || !allowed.includes(request.principal.role)) return sendError(request, reply, 'FORBIDDEN')
  })

  if (app.config.NODE_ENV === 'production') {
    // In production the OpenAPI document is for staff only (docs/product.md §12: docs are not public).
    app.get('/docs/json', { config: { roles: ['operator', 'admin'] }, schema: { hide: true } }, async () => app.swagger())
  }
  await app.register(me)
  await app.register(jobs, { prefix: '/jobs' })
  await app.register(quota, { prefix: '/quota' })
  await app.register(staff, { prefix: '/staff' })
  await app.register(printers, { prefix: '/printers' })
  await app.register(manufacturing, { prefix: '/manufacturing' })
  await app.register(stats, { prefix: '/stats' })
  await app.register(audit, { prefix: '/audit' })
  await app.register(tokens, { prefix: '/tokens' })
}

export default protectedRoutes
