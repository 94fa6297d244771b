import { Type } from 'typebox'
import { Secret } from '../secret.js'
import { FILE_KEYWORD } from '../secret-files.js'

/** Variables every process reads. Production is the default so a forgotten NODE_ENV fails safe. */
export const commonEnv = {
  NODE_ENV: Type.Union([Type.Literal('production'), Type.Literal('development'), Type.Literal('test')], {
    default: 'production',
  }),
  LOG_LEVEL: Type.Union(
    [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
    { default: 'info' },
  ),
}

/** The application's database role (`printforge_app`): never the owner, never a superuser. */
export const databaseEnv = {
  DATABASE_URL: Secret('url-password', { description: 'PostgreSQL URL of the printforge_app role' }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  /** Upper bound of one interactive transaction; a request never holds a connection longer. */
  DATABASE_TX_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),
}

/** The owner role that runs migrations. Only ops commands use it. */
export const databaseAdminEnv = {
  DATABASE_ADMIN_URL: Type.Optional(Secret('url-password', { description: 'PostgreSQL URL of the owner role' })),
}

/** Redis: BullMQ queues and the shared rate-limit counters. */
export const redisEnv = {
  REDIS_URL: Secret('url-password', { description: 'redis://:password@host:port (requirepass is mandatory)' }),
  /** BullMQ key prefix: the API and the worker read the same variable, so they always agree (tests use a random one). */
  QUEUE_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', default: 'pf' }),
}

/** Object storage: Cloudflare R2 or any S3 API. */
export const storageEnv = {
  S3_ENDPOINT: Type.String({ format: 'uri' }),
  S3_REGION: Type.String({ default: 'auto' }),
  S3_BUCKET: Type.String({ minLength: 3, maxLength: 63 }),
  /**
   * No secret (R2's and AWS's are shorter than 32 bytes), but a bundled MinIO's is generated into a
   * compose secret file next to its secret key, so S3_ACCESS_KEY_ID_FILE is accepted too.
   */
  S3_ACCESS_KEY_ID: Type.String({ minLength: 1, [FILE_KEYWORD]: true }),
  S3_SECRET_ACCESS_KEY: Secret(),
}

/**
 * The metrics listener (docs/observability.md): its own port, bound to loopback or the internal
 * network, never routed by nginx. METRICS_PORT=0 starts none. A token, when set, must be sent as
 * `Authorization: Bearer …` by the scraper, and follows the rules of every other secret.
 */
export const metricsEnv = (defaultPort: number) => ({
  METRICS_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort }),
  METRICS_TOKEN: Type.Optional(Secret('value', { description: 'bearer token Prometheus sends to the metrics port' })),
})

/**
 * Optional tracing (docs/observability.md, "Following one print"): OpenTelemetry spans exported
 * over OTLP/HTTP to this collector (e.g. http://otel-collector:4318). Unset: nothing of
 * OpenTelemetry is loaded. The standard variable name, so a collector's docs apply as written.
 */
export const tracingEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', description: 'OTLP/HTTP collector URL; traces go to <url>/v1/traces' })),
}
