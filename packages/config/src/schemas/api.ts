import { Type, type Static } from 'typebox'
import type { ConfigProblem } from '../load.js'
import { Secret } from '../secret.js'
import { commonEnv, databaseEnv, metricsEnv, redisEnv, storageEnv, tracingEnv } from './common.js'
import { refineWebhookConfig, webhookEnv } from './webhooks.js'

/** The API process (docs/product.md §2, §3, §11). */
export const ApiEnvSchema = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  ...redisEnv,
  ...storageEnv,
  ...metricsEnv(9464),
  ...tracingEnv,
  ...webhookEnv,
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  API_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8000 }),
  /** Exact origins, comma-separated. No wildcard, no `null` (checked in refineApiConfig). */
  ALLOWED_ORIGINS: Type.String({ minLength: 1 }),
  /** Host header names the API answers to, comma-separated. */
  ALLOWED_HOSTS: Type.String({ default: 'localhost,127.0.0.1' }),
  /** IPs/CIDRs of the reverse proxies whose X-Forwarded-For is believed. Default: none. */
  TRUSTED_PROXIES: Type.String({ default: '' }),
  JWT_ALGORITHM: Type.Union([Type.Literal('HS256'), Type.Literal('RS256'), Type.Literal('ES256')], { default: 'HS256' }),
  /** Medusa's http.jwtSecret (HS256 only). */
  JWT_SECRET: Type.Optional(Secret()),
  /** PEM public key of Medusa's key pair (RS256/ES256). Recommended over HS256. */
  JWT_PUBLIC_KEY: Type.Optional(Type.String({ minLength: 64 })),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  DEFAULT_MONTHLY_QUOTA: Type.Integer({ minimum: 0, maximum: 100_000, default: 20 }),
  /** How long a staff role lookup is cached; a revoked role must stop working within 5 s. */
  ROLE_CACHE_TTL_MS: Type.Integer({ minimum: 0, maximum: 5_000, default: 2_000 }),
  /** Printer access codes are encrypted with these keys when registered (never decrypted here). */
  PRINTER_KEYS: Secret('key-list'),
  /** Upper bound of a sliced model upload (POST /manufacturing/create). */
  MAX_MODEL_BYTES: Type.Integer({ minimum: 1024, maximum: 2 * 1024 ** 3, default: 200 * 1024 * 1024 }),
  /**
   * Load shedding (@fastify/under-pressure): past either limit the API answers 503 with
   * Retry-After until the next sample (once a second) finds it below again. The mean event-loop
   * delay over the last second, ms: a loop that late already times requests out. A second in
   * which the loop never ran counts as infinitely late. 0 turns the check off (the in-process
   * test APIs, whose test blocks the shared loop on purpose).
   */
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Type.Union([Type.Literal(0), Type.Integer({ minimum: 10, maximum: 60_000 })], { default: 1_000 }),
  /** V8 heap in use, bytes: below the API container's 768 MiB, with room for buffers and native memory. */
  PRESSURE_MAX_HEAP_USED_BYTES: Type.Integer({ minimum: 16 * 1024 ** 2, maximum: 64 * 1024 ** 3, default: 512 * 1024 ** 2 }),
  /** GET /live (docs/console.md): open streams per person, counted across every API instance. */
  LIVE_STREAMS_PER_ACTOR: Type.Integer({ minimum: 1, maximum: 50, default: 4 }),
  /** GET /live: a stream's longest life, seconds (it also ends at its token's exp); the client reconnects. */
  LIVE_MAX_STREAM_SECONDS: Type.Integer({ minimum: 10, maximum: 86_400, default: 3_600 }),
})

export type ApiConfig = Static<typeof ApiEnvSchema>

const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i

/** Rules that span variables or need parsing beyond a JSON schema. */
export function refineApiConfig(config: ApiConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  if (config.JWT_ALGORITHM === 'HS256' && !config.JWT_SECRET) {
    problems.push({ variable: 'JWT_SECRET', problem: 'is required with JWT_ALGORITHM=HS256 (a secret has no default)' })
  }
  if (config.JWT_ALGORITHM !== 'HS256' && !config.JWT_PUBLIC_KEY?.includes('PUBLIC KEY')) {
    problems.push({ variable: 'JWT_PUBLIC_KEY', problem: `must be a PEM public key with JWT_ALGORITHM=${config.JWT_ALGORITHM}` })
  }
  if (config.JWT_ALGORITHM !== 'HS256' && config.JWT_SECRET) {
    // Never keep an HMAC secret around when verifying signatures: it invites algorithm confusion.
    problems.push({ variable: 'JWT_SECRET', problem: `must be unset with JWT_ALGORITHM=${config.JWT_ALGORITHM}` })
  }
  for (const origin of splitList(config.ALLOWED_ORIGINS)) {
    if (!ORIGIN.test(origin)) {
      problems.push({ variable: 'ALLOWED_ORIGINS', problem: `holds ${JSON.stringify(origin)}: list exact origins (scheme://host[:port]); no wildcard, no null, no path` })
    }
  }
  problems.push(...refineWebhookConfig(config))
  return problems
}

/** `a, b,,c` → ['a', 'b', 'c'] */
export const splitList = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean)
