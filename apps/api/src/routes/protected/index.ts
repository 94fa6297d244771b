import type { FastifyPluginAsync } from 'fastify'
import { apiKeyUsageHook } from '../../lib/api-key-usage.js'
import { sendError } from '../../plugins/app/errors.js'
import apiKeys from './api-keys.js'
import audit from './audit.js'
import jobs from './jobs/index.js'
import live from './live.js'
import manufacturing from './manufacturing.js'
import me from './me.js'
import orders from './orders.js'
import printFiles from './print-files.js'
import printerGroups from './printer-groups.js'
import printers from './printers.js'
import quota from './quota.js'
import staff from './staff.js'
import stats from './stats.js'
import tokens from './tokens.js'
import webhooks from './webhooks.js'

/**
 * Every authenticated route lives in this encapsulated scope: its hooks authenticate, then
 * authorize — a person by the roles the route declares, an API key by the scopes it declares (any
 * one of them suffices). Default deny: a route that declares no roles makes the server refuse to
 * boot, and a route that declares no scopes is closed to every key.
 */
const protectedRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('onRoute', (route) => {
    if (!route.config?.roles?.length) throw new Error(`protected route ${route.method} ${route.url} declares no roles`)
  })
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', async (request, reply) => {
    const { principal } = request
    const { roles = [], scopes = [] } = request.routeOptions.config
    const allowed = principal?.actorType === 'api_key' ? scopes.some((s) => principal.scopes.includes(s)) : !!principal && roles.includes(principal.role)
    if (!allowed) return sendError(request, reply, 'FORBIDDEN')
  })
  // Every request a key makes is audited, refused ones (403) included (docs/integrations.md).
  app.addHook('onResponse', apiKeyUsageHook(app))

  if (app.config.NODE_ENV === 'production') {
    // In production the OpenAPI document is for staff only (docs/product.md §12: docs are not public).
    app.get('/docs/json', { config: { roles: ['operator', 'admin'] }, schema: { hide: true } }, async () => app.swagger())
  }
  await app.register(me)
  await app.register(jobs, { prefix: '/jobs' })
  await app.register(quota, { prefix: '/quota' })
  await app.register(staff, { prefix: '/staff' })
  await app.register(printers, { prefix: '/printers' })
  await app.register(printerGroups, { prefix: '/printer-groups' })
  await app.register(manufacturing, { prefix: '/manufacturing' })
  await app.register(stats, { prefix: '/stats' })
  await app.register(audit, { prefix: '/audit' })
  await app.register(tokens, { prefix: '/tokens' })
  await app.register(orders, { prefix: '/orders' })
  await app.register(printFiles, { prefix: '/print-files' })
  await app.register(webhooks, { prefix: '/webhooks' })
  await app.register(apiKeys, { prefix: '/api-keys' })
  await app.register(live)
}

export default protectedRoutes
