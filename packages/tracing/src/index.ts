// Optional OpenTelemetry tracing (docs/observability.md, "Following one print"). The apps call
// startTracing with their settings (shared packages never read process.env); with no endpoint it
// returns null and nothing of OpenTelemetry is ever imported, so tracing that is off costs nothing.
import type { Telemetry } from 'bullmq'

export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's OTLP/HTTP base URL; spans go to `<url>/v1/traces`. */
  endpoint: string | undefined
  /** service.name of the spans (printforge-api, printforge-worker). */
  serviceName: string
}

export type SpanAttributes = Record<string, string | number | boolean | undefined>

/** An incoming request's server span. */
export interface RequestSpan {
  /** Runs `fn` with the span active, so what it starts (a queue's producer span) is the span's child. */
  run<T>(fn: () => T): T
  end(statusCode: number, attributes?: SpanAttributes): void
}

export interface Tracing {
  /** BullMQ's `telemetry` option (bullmq-otel) for a Queue or Worker: W3C trace context travels in each job's options. */
  readonly bullmq: Telemetry
  /** A server span whose parent is the request's W3C `traceparent`, when it sends one. */
  startRequestSpan(name: string, headers: Record<string, string | string[] | undefined>, attributes: SpanAttributes): RequestSpan
  /** Runs `fn` in a child span of the active one (the printer command inside a job's span). */
  inSpan<T>(name: string, attributes: SpanAttributes, fn: () => Promise<T>): Promise<T>
  /** Exports what is buffered; the last holder's call stops the provider. */
  shutdown(): Promise<void>
}

/** `fn` in a span when tracing is on; just `fn` otherwise. */
export type InSpan = Tracing['inSpan']
export const untraced: InSpan = (_name, _attributes, fn) => fn()

/** Null when no endpoint is set: then OpenTelemetry is not loaded at all. */
export async function startTracing(settings: TracingSettings): Promise<Tracing | null> {
  if (!settings.endpoint) return null
  const { acquire } = await import('./otel.js')
  return acquire(settings.endpoint, settings.serviceName)
}
