import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { commonErrors } from '../../schemas/common.js'

const Counts = Type.Record(Type.String(), Type.Integer())
const Depth = Type.Union([Type.Object({ waiting: Type.Integer(), active: Type.Integer(), delayed: Type.Integer(), failed: Type.Integer() }), Type.Null()])

/** docs/product.md §4.6 dashboard (admin, 30/min). */
const stats: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/dashboard', {
    config: { roles: ['admin'], rateLimit: { max: 30, timeWindow: 60_000 } },
    schema: {
      operationId: 'dashboard',
      response: {
        200: Type.Object({
          jobs: Counts,
          manufacturingJobs: Counts,
          printers: Type.Object({ total: Type.Integer(), online: Type.Integer(), printing: Type.Integer(), inError: Type.Integer() }),
          last24h: Type.Object({ scansStored: Type.Integer(), scansFailed: Type.Integer(), printsCompleted: Type.Integer(), printsFailed: Type.Integer(), authFailures: Type.Integer() }),
          queues: Type.Record(Type.String(), Depth),
          generatedAt: Type.String(),
        }),
        ...commonErrors,
      },
    },
  }, async (request) => app.services.stats.dashboard(request.principal!))
}

export default stats
