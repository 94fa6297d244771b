import { Type, type Static } from 'typebox'
import { Secret } from '../secret.js'
import { commonEnv, databaseEnv, metricsEnv, redisEnv, storageEnv, tracingEnv } from './common.js'
import { refineWebhookConfig, webhookEnv } from './webhooks.js'

/** The worker process (docs/product.md §6). */
export const WorkerEnvSchema = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  ...redisEnv,
  ...storageEnv,
  ...metricsEnv(9465),
  ...tracingEnv,
  ...webhookEnv,
  /** AES-256-GCM keys for printer access codes: `id:base64(32 bytes)`, comma-separated, newest first. */
  PRINTER_KEYS: Secret('key-list'),
  /** Extra CA (PEM file path) trusted for printer TLS besides Bambu's own CAs: the virtual printers' test CA. */
  PRINTER_EXTRA_CA: Type.Optional(Type.String({ minLength: 1 })),
  /** sharp decodes per process; one worker process per core is the deployment unit. */
  SCAN_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
  /**
   * How an upload becomes the stored scan (docs/product.md §6). `lossless`: the JPEG/PNG is copied
   * segment by segment without its metadata, pixels untouched. `reencode`: decoded and re-encoded
   * (a second lossy generation, ~3× the CPU); kept as a fallback.
   */
  SCAN_SANITIZE: Type.Union([Type.Literal('lossless'), Type.Literal('reencode')], { default: 'lossless' }),
  PRINT_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 8 }),
  /**
   * How long a worker's printer lease lasts without renewal (docs/architecture.md, "Printer
   * leases"): when a worker dies, the others take its printers after about this long. Default 15 000.
   */
  PRINTER_LEASE_TTL_MS: Type.Optional(Type.Integer({ minimum: 3_000, maximum: 120_000 })),
  JOB_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
  AUDIT_RETENTION_DAYS: Type.Integer({ minimum: 30, maximum: 3650, default: 365 }),
  /** How long SIGTERM waits for running jobs before handing them back. */
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 1_000, maximum: 120_000, default: 20_000 }),
  /**
   * Queues this process consumes, comma-separated. Only a process that consumes `prints` opens
   * printer sessions: real printers take few MQTT clients, so scale scans with `scans`-only
   * processes (one per core) next to a single full worker.
   */
  WORKER_QUEUES: Type.String({ pattern: '^(scans|prints|maintenance|webhooks)(,(scans|prints|maintenance|webhooks))*$', default: 'scans,prints,maintenance,webhooks' }),
  /**
   * Webhook deliveries sent at once by this process (default 16); one endpoint holds at most
   * WEBHOOK_ENDPOINT_CONCURRENCY (default 4) of them, so a slow endpoint cannot take every slot.
   */
  WEBHOOK_CONCURRENCY: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
  WEBHOOK_ENDPOINT_CONCURRENCY: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  /**
   * File the worker touches every 10 s while its event loop runs: the container health check
   * (apps/worker/dist/healthcheck.js) reads its age. Unset: no heartbeat (development, tests).
   */
  WORKER_HEARTBEAT_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Job lock: how soon a killed worker's job is taken over by another. */
  WORKER_LOCK_MS: Type.Integer({ minimum: 1_000, maximum: 300_000, default: 30_000 }),
  /** How often maintenance.sweep runs (stuck rows re-enqueued, deletion outbox drained). */
  SWEEP_EVERY_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: 60_000 }),
  /** A queued row younger than this may still be on its way into the queue: the sweep leaves it. */
  SWEEP_MIN_AGE_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: 60_000 }),
})

export type WorkerConfig = Static<typeof WorkerEnvSchema>

/** Rules that span variables (loadConfig's refine step). */
export const refineWorkerConfig = (config: WorkerConfig) => refineWebhookConfig(config)
