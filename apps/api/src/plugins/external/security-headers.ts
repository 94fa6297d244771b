import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import { splitList } from '@printforge/config'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sendError } from '../app/errors.js'

/**
 * The security headers helmet (as configured below) and our onSend hook give every answer, for
 * the few answers no hook sees: Fastify's frameworkErrors (a URL the router cannot decode, an
 * over-long path parameter) are written before any hook runs. A test compares this list with
 * a routed answer's headers, so the two cannot drift apart.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-site',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'permissions-policy': 'geolocation=(), microphone=(), camera=()',
  'cache-control': 'no-store',
})

/**
 * docs/product.md §3 cross-cutting HTTP rules: security headers on every response, CORS for the listed
 * origins only, and a Host header check.
 */
export default fp(
  async (app: FastifyInstance) => {
    const origins = new Set(splitList(app.config.ALLOWED_ORIGINS))
    const hosts = new Set(splitList(app.config.ALLOWED_HOSTS).map((h) => h.toLowerCase()))

    await app.register(helmet, {
      // A JSON API renders nothing: deny every resource type and every framing.
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true, preload: false },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      crossOriginResourcePolicy: { policy: 'same-site' },
      crossOriginEmbedderPolicy: false,
      xPoweredBy: false,
    })

    // Right after helmet's headers (so the refusal carries them too) and before anything else: a
    // request for a host we do not serve is refused outright (DNS rebinding, cache poisoning
    // through Host).
    app.addHook('onRequest', async (request, reply) => {
      const host = request.hostname.toLowerCase().replace(/^\[|\]$/g, '')
      if (!hosts.has(host)) return sendError(request, reply, 'VALIDATION_FAILED', 'Unknown host.')
    })

    // @fastify/cors answers a listed origin's OPTIONS without Access-Control-Request-Method with a
    // text/plain 400 of its own: refuse it first, in the error shape every other answer has.
    app.addHook('onRequest', async (request, reply) => {
      const { origin } = request.headers
      if (request.method === 'OPTIONS' && origin !== undefined && origins.has(origin) && !request.headers['access-control-request-method']) {
        return sendError(request, reply, 'VALIDATION_FAILED', 'Invalid preflight request.')
      }
    })

    await app.register(cors, {
      // Exact matches only: no wildcard, no `null`, no suffix or look-alike matching. A refused
      // origin gets no Access-Control-Allow-* header at all.
      origin: (origin, callback) => callback(null, origin !== undefined && origins.has(origin)),
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization'],
      exposedHeaders: ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
      credentials: true,
      maxAge: 600,
      strictPreflight: true,
    })

    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('permissions-policy', SECURITY_HEADERS['permissions-policy'])
      // Nothing this API answers may be stored by a browser or an intermediary.
      reply.header('cache-control', SECURITY_HEADERS['cache-control'])
      return payload
    })
  },
  { name: 'security-headers', dependencies: ['config', 'errors'] },
)
