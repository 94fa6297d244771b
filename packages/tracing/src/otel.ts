// The OpenTelemetry side of @printforge/tracing, imported only when tracing is on: one tracer
// provider per process exporting OTLP/HTTP (JSON) in batches, W3C trace context propagation, an
// AsyncLocalStorage context manager (spans started inside `run`/`inSpan` nest under the active one).
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import { BullMQOtel } from 'bullmq-otel'
import type { RequestSpan, SpanAttributes, Tracing } from './index.js'

interface Shared {
  endpoint: string
  provider: TracerProvider
  holders: number
}

/**
 * The API and the worker run in one process in tests (and `npm run dev` may): the global
 * provider, propagator and context manager can be registered once, so every caller in the
 * process shares them (the first caller's service.name names the resource; each caller's
 * spans still carry its own tracer name).
 */
let shared: Shared | null = null

export function acquire(endpoint: string, serviceName: string): Tracing {
  if (shared && shared.endpoint !== endpoint) throw new Error('tracing already started with another OTLP endpoint in this process')
  if (!shared) {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }) })],
    })
    trace.setGlobalTracerProvider(provider)
    propagation.setGlobalPropagator(new W3CTraceContextPropagator())
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    shared = { endpoint, provider, holders: 0 }
  }
  const s = shared
  s.holders++
  const tracer = trace.getTracer(serviceName)
  let released = false
  return {
    bullmq: new BullMQOtel({ tracerName: serviceName }),

    startRequestSpan(name, headers, attributes): RequestSpan {
      const parent = propagation.extract(context.active(), headers)
      const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: clean(attributes) }, parent)
      const active = trace.setSpan(parent, span)
      return {
        run: (fn) => context.with(active, fn),
        end(statusCode, more) {
          span.setAttributes({ [ATTR_HTTP_RESPONSE_STATUS_CODE]: statusCode, ...clean(more ?? {}) })
          if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
          span.end()
        },
      }
    },

    inSpan(name, attributes, fn) {
      return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes: clean(attributes) }, async (span: Span) => {
        try {
          return await fn()
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' })
          throw err
        } finally {
          span.end()
        }
      })
    },

    async shutdown() {
      if (released) return
      released = true
      // A collector that is down must not fail the app's shutdown: its spans are lost, nothing else.
      if (--s.holders > 0) return s.provider.forceFlush().catch(() => {})
      shared = null
      await s.provider.shutdown().catch(() => {})
      trace.disable()
      propagation.disable()
      context.disable()
    },
  }
}

/** Attributes without the undefined ones (OpenTelemetry drops them with a warning). */
function clean(attributes: SpanAttributes): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(attributes).filter((e): e is [string, string | number | boolean] => e[1] !== undefined))
}
