// Server spans for the API when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT; docs/observability.md).
// Fastify hooks rather than @opentelemetry/instrumentation-http: that instrumentation patches
// `http` through require-in-the-middle, which under ESM needs a loader flag (import-in-the-middle)
// and must run before Fastify is imported; it also never sees app.inject. Hooks work the same
// under ESM, tsx and inject. Tracing off: this plugin is not registered and costs nothing.
import type { RequestSpan, Tracing } from '@printforge/tracing'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    traceSpan: RequestSpan | null
  }
}

export default fp(
  async (app: FastifyInstance, { tracing }: { tracing: Tracing }) => {
    app.decorateRequest('traceSpan', null)
    // The parent is the caller's W3C traceparent, when it sends one (it only links spans).
    // Named by the route template: ids and query strings stay out of span names.
    app.addHook('onRequest', async (request) => {
      const route = request.routeOptions.url ?? 'unmatched'
      request.traceSpan = tracing.startRequestSpan(`${request.method} ${route}`, request.headers, {
        'http.request.method': request.method,
        'http.route': route,
        'printforge.request_id': request.id,
      })
    })
    // Each handler runs with its request's span active, so the queue's producer span (and with
    // it the trace context a job carries to the worker) is a child of the request.
    app.addHook('onRoute', (route) => {
      const handler = route.handler as (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown
      route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
        const span = request.traceSpan
        return span ? span.run(() => handler.call(this, request, reply)) : handler.call(this, request, reply)
      } as RouteHandlerMethod
    })
    const end = (request: FastifyRequest, status: number) => {
      request.traceSpan?.end(status)
      request.traceSpan = null
    }
    app.addHook('onResponse', async (request, reply) => end(request, reply.statusCode))
    // A client that went away: 499, as nginx logs it.
    app.addHook('onRequestAbort', async (request) => end(request, 499))
    app.addHook('onClose', () => tracing.shutdown())
  },
  { name: 'tracing' },
)
