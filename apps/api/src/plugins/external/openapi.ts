import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * OpenAPI generated from the route schemas. Outside production the UI and the JSON are public at
 * /docs and /docs/json; in production only staff fetch /docs/json (docs/product.md §12: docs not public).
 * Each operation carries `x-roles`, read from the route's `config.roles`: the roles the auth hook
 * enforces, so clients see who may call it and the route-security suite derives its checks from
 * the document rather than from source files. A public route has none. `x-scopes` lists the API
 * key scopes that reach it (config.scopes); without it no key may call the route.
 */
export default fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        info: { title: 'PrintForge API', version: '0.1.0', description: 'Scan jobs, printers and print jobs for a Bambu Lab print farm.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
      transform: ({ schema, url, route }) => {
        const roles = route.config?.roles
        const scopes = route.config?.scopes
        return { schema: roles ? { ...schema, 'x-roles': [...roles], ...(scopes?.length ? { 'x-scopes': [...scopes] } : {}) } : schema, url }
      },
    })
    if (app.config.NODE_ENV !== 'production') {
      await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { tryItOutEnabled: false } })
    }
  },
  { name: 'openapi', dependencies: ['config'] },
)
