import { collectDefaultMetrics, Registry } from 'prom-client'

/** The processes that expose metrics; the value becomes the `service` label of every series. */
export type MetricsService = 'api' | 'worker'

/**
 * One registry per running app, never prom-client's global one: tests and the benches start several
 * APIs and workers in one process, and each must count only its own work. Node's process metrics
 * (CPU, memory, event-loop delay, GC, handles) come with it.
 */
export function createRegistry(service: MetricsService): Registry {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  return registry
}

/**
 * A label value from a fixed set, or `other`: label values must never come from a client (a raw
 * URL, an id, a header), or one caller could grow the series without bound.
 */
export function boundedLabel<T extends string>(value: string | null | undefined, allowed: ReadonlySet<T>, fallback: T | 'other' = 'other'): T | 'other' {
  return value !== null && value !== undefined && allowed.has(value as T) ? (value as T) : fallback
}

/** `2xx`, `4xx`, … : the status class label of request metrics. */
export const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`
