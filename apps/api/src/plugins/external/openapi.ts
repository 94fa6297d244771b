import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * OpenAPI generated from the route schemas. Outside production the UI and the JSON are public at
 * /docs and /docs/json; in production only staff fetch /docs/json (docs/product.md §12: docs not public).
 */
export default fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        info: { title: 'PrintForge API', version: '0.1.0', description: 'Scan jobs, printers and print jobs for a Bambu Lab print farm.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
    })
    if (app.config.NODE_ENV !== 'production') {
      await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { tryItOutEnabled: false } })
    }
  },
  { name: 'openapi', dependencies: ['config'] },
)
