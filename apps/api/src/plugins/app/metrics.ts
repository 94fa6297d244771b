import { registerPoolMetrics, registerUpGauge } from '@printforge/metrics'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ApiMetrics } from '../../lib/metrics/api-metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ApiMetrics
  }
}

/**
 * Prometheus series of this API instance (docs/observability.md), served by server.ts on the
 * metrics port, never on the API's. One registry per app: the tests run several in one process.
 * METRICS_PORT=0 means nobody can read them, so the per-request series are not recorded either
 * (that is also the "without" of the benchmark's with/without comparison).
 */
export default fp(
  async (app: FastifyInstance) => {
    const metrics = new ApiMetrics()
    app.decorate('metrics', metrics)
    if (app.config.METRICS_PORT === 0) return
    registerPoolMetrics(metrics.registry, app.db.pool, app.config.DATABASE_POOL_MAX)
    registerUpGauge(metrics.registry, 'database', () => app.db.health.up)
    registerUpGauge(metrics.registry, 'redis', () => app.redis.health.up)
    // A callback hook, not an async one: this runs on every request, and the read path's budget
    // for metrics is under 5 % of its throughput (npm run bench -- api).
    app.addHook('onResponse', (request, reply, done) => {
      metrics.request(request.routeOptions.url, request.method, reply.statusCode, reply.elapsedTime / 1_000, reply.errorCode)
      done()
    })
  },
  { name: 'metrics', dependencies: ['config', 'database', 'redis', 'errors'] },
)
