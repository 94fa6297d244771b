import { randomUUID } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { splitList, type ApiConfig } from '@printforge/config'
import { loggerOptions } from '@printforge/logger'
import { startTracing } from '@printforge/tracing'
import Fastify, { type FastifyInstance } from 'fastify'
import { AccessLog } from './lib/access-log.js'
import auth from './plugins/app/auth.js'
import config from './plugins/app/config.js'
import database from './plugins/app/database.js'
import errors, { onFrameworkError, sendError } from './plugins/app/errors.js'
import live from './plugins/app/live.js'
import metrics from './plugins/app/metrics.js'
import queues from './plugins/app/queues.js'
import redis from './plugins/app/redis.js'
import services from './plugins/app/services.js'
import storage from './plugins/app/storage.js'
import type { LiveStreamTimings } from './lib/live/live-stream.js'
import openapi from './plugins/external/openapi.js'
import rateLimit from './plugins/external/rate-limit.js'
import securityHeaders, { SECURITY_HEADERS } from './plugins/external/security-headers.js'
import tracingPlugin from './plugins/external/tracing.js'
import underPressure from './plugins/external/under-pressure.js'
import protectedRoutes from './routes/protected/index.js'
import publicRoutes from './routes/public/index.js'

export interface AppOptions {
  config: ApiConfig
  /** BullMQ key prefix (default: QUEUE_PREFIX; tests use a random one). */
  queuePrefix?: string
  /** Prefix of the API's own Redis counters (tests use a random one). */
  redisKeyPrefix?: string
  /** Where logs go (default stdout); tests capture them. */
  logStream?: NodeJS.WritableStream
  /** GET /live's windows (default: docs/console.md's 250 ms / 15 s / 15 s); tests shorten them. */
  liveTimings?: Partial<LiveStreamTimings>
}

/**
 * The composition root: plugins in order (external → app → routes), each declaring what it
 * depends on. Explicit imports rather than directory autoloading keep the wiring typed and the
 * same under tsx and the compiled build.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config: settings } = options
  const proxies = splitList(settings.TRUSTED_PROXIES)
  const app = Fastify({
    logger: {
      ...loggerOptions({ name: 'printforge-api', level: settings.LOG_LEVEL }),
      // The default serializer logs the full URL; a token pasted into a query string must not
      // reach the log, so only the path is kept.
      serializers: { req: (req) => ({ method: req.method, path: req.url.split('?')[0], id: req.id }) },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // Only the listed proxies' X-Forwarded-For is believed; never `true`.
    trustProxy: proxies.length > 0 ? proxies : false,
    bodyLimit: 64 * 1024,
    genReqId: () => randomUUID(),
    logController: new AccessLog(),
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    routerOptions: { maxParamLength: 256 },
    // What the router refuses before any hook runs (a URL it cannot decode, an over-long path
    // parameter): our error shape, and the headers the hooks would have added.
    frameworkErrors: (err, request, reply) => onFrameworkError(err, request, reply.headers(SECURITY_HEADERS)),
  }).withTypeProvider<TypeBoxTypeProvider>()

  // docs/product.md §3: JSON routes accept JSON only. Fastify also parses text/plain by default, which
  // lets a cross-site "simple" request (no preflight) reach a JSON route; without a parser it is 415.
  app.removeContentTypeParser('text/plain')

  await app.register(config, { config: settings })
  // Before any route, so every handler runs inside its request's span (plugins/external/tracing.ts).
  const tracing = await startTracing({ endpoint: settings.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: 'printforge-api' })
  if (tracing) await app.register(tracingPlugin, { tracing })
  await app.register(errors)
  await app.register(securityHeaders)
  await app.register(underPressure)
  await app.register(database)
  await app.register(redis, { keyPrefix: options.redisKeyPrefix ?? 'pf:' })
  await app.register(metrics)
  await app.register(storage)
  await app.register(queues, { prefix: options.queuePrefix ?? settings.QUEUE_PREFIX, telemetry: tracing?.bullmq })
  await app.register(auth)
  await app.register(rateLimit)
  await app.register(openapi)
  await app.register(services)
  await app.register(live, { timings: options.liveTimings ?? {} })

  await app.register(publicRoutes)
  await app.register(protectedRoutes)

  // Unknown routes are rate-limited too: 404 probing costs the prober, not us.
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request, reply) => sendError(request, reply, 'NOT_FOUND'))
  return app
}
