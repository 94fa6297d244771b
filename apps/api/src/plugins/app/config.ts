import type { ApiConfig } from '@printforge/config'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    config: ApiConfig
  }
}

/** The validated configuration, handed in by server.ts (or a test); plugins never read the env. */
export default fp(
  async (app: FastifyInstance, options: { config: ApiConfig }) => {
    app.decorate('config', options.config)
  },
  { name: 'config' },
)
