import { getHeapStatistics } from 'node:v8'
import underPressure from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sendError } from '../app/errors.js'

/** Seconds a shed client waits: the plugin samples once a second, so pressure lasts at least that. */
const RETRY_AFTER_S = 5
/** At most one warning per this many ms while shedding: a flood must not become a log flood. */
const WARN_EVERY_MS = 10_000
/**
 * Exempt: liveness must not fail because the process is busy (the container's health check would
 * report a live API as dead), and readiness keeps its own body and reports dependencies only.
 */
const EXEMPT_ROUTES = new Set(['/health', '/health/ready'])

/**
 * Load shedding: past the event-loop delay or heap limit (PRESSURE_* settings) every request but
 * the health probes is refused at onRequest with 503, Retry-After and our error body, before it
 * is authenticated, parsed or queued: a drowning process answers quickly instead of slowly failing
 * everyone. Registered after security-headers, so refusals carry the same headers as any answer.
 */
export default fp(
  async (app: FastifyInstance) => {
    const { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: maxEventLoopDelay, PRESSURE_MAX_HEAP_USED_BYTES: maxHeapUsedBytes } = app.config
    const heapLimit = getHeapStatistics().heap_size_limit
    if (maxHeapUsedBytes >= heapLimit) {
      app.log.warn({ maxHeapUsedBytes, heapLimit }, 'PRESSURE_MAX_HEAP_USED_BYTES is at or above the V8 heap limit: the process would run out of heap before shedding load')
    }
    let lastWarning = 0
    await app.register(underPressure, {
      maxEventLoopDelay,
      maxHeapUsedBytes,
      retryAfter: RETRY_AFTER_S,
      pressureHandler: (request, reply, type, value) => {
        // Returning without a reply lets the request through (the plugin's contract).
        if (EXEMPT_ROUTES.has(request.routeOptions.url ?? '')) return
        const now = Date.now()
        if (now - lastWarning >= WARN_EVERY_MS) {
          lastWarning = now
          request.log.warn({ type, value }, 'under pressure: shedding requests')
        }
        reply.header('retry-after', RETRY_AFTER_S)
        sendError(request, reply, 'UNAVAILABLE', 'The server is overloaded; retry shortly.')
      },
    })
  },
  { name: 'under-pressure', dependencies: ['config', 'errors', 'security-headers'] },
)
