import jwt from '@fastify/jwt'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { looksLikeApiKey, parseApiKey, sameKeyHash, type ApiKeyScope } from '@printforge/domain'
import { createApiKeyCache, type ApiKeyCache } from '../../lib/api-key-cache.js'
import { createAuthFailureAudit, type AuthFailureAudit } from '../../lib/auth-failure-audit.js'
import { recordAuthFailure } from '../../lib/auth-failures.js'
import { medusaIdentity } from '../../lib/medusa-claims.js'
import type { Principal, Role } from '../../lib/principal.js'
import { createRevocationSnapshot } from '../../lib/revocation-snapshot.js'
import { createRoleCache, isRevoked, type RoleCache } from '../../lib/role-cache.js'
import { sendError } from './errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<unknown>
    roles: RoleCache
    apiKeys: ApiKeyCache
    authFailures: AuthFailureAudit
  }
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** Roles allowed on a protected route. Required: a protected route without it fails at boot. */
    roles?: readonly Exclude<Role, 'api_key'>[]
    /** API key scopes allowed on a protected route (any one suffices). None: no key may call it. */
    scopes?: readonly ApiKeyScope[]
  }
}

/** fast-jwt/@fastify/jwt error codes, reduced to a reason for the log and the audit row. */
function reasonOf(err: unknown): string {
  const code = (err as { code?: string }).code ?? 'unknown'
  return code.replace(/^(FST_JWT_|FAST_JWT_)/, '').toLowerCase()
}

/**
 * The bearer credential when it has an API key's shape, else null (a JWT, or nothing: @fastify/jwt
 * handles those). Split as @fastify/jwt splits it, so both read the same header the same way.
 */
function apiKeyCredential(request: FastifyRequest): string | null {
  const parts = request.headers.authorization?.split(' ')
  if (parts?.length !== 2 || !/^Bearer$/i.test(parts[0] as string)) return null
  return looksLikeApiKey(parts[1] as string) ? (parts[1] as string) : null
}

/**
 * Verifies the Medusa-issued bearer token (docs/product.md §2). The algorithm is pinned by config;
 * exp and iat (and iss/aud when configured) are required claims; 30 s clock skew; a token issued
 * at or before its actor's revocation cut-off is refused. Every failure
 * answers the same 401, whatever the cause; the cause is logged and audited, never the token.
 * A bearer credential shaped `pf_…` is an API key instead (docs/integrations.md "API keys"):
 * checked against its row's SHA-256, revocation, expiry and address ranges, with the same 401.
 */
export default fp(
  async (app: FastifyInstance) => {
    const { config } = app
    const requiredClaims = ['exp', 'iat', ...(config.JWT_ISSUER ? ['iss'] : []), ...(config.JWT_AUDIENCE ? ['aud'] : [])]
    await app.register(jwt, {
      secret: config.JWT_ALGORITHM === 'HS256' ? (config.JWT_SECRET as string) : { public: config.JWT_PUBLIC_KEY as string, private: '' },
      verify: {
        algorithms: [config.JWT_ALGORITHM],
        requiredClaims,
        clockTolerance: 30_000, // milliseconds in fast-jwt
        // Clients reuse a token for its lifetime: cache verification results (keyed by a hash of
        // the whole token, bounded by its exp) instead of re-running HMAC and JSON parsing.
        cache: 10_000,
        ...(config.JWT_ISSUER ? { allowedIss: config.JWT_ISSUER } : {}),
        ...(config.JWT_AUDIENCE ? { allowedAud: config.JWT_AUDIENCE } : {}),
      },
    })
    const revocations = createRevocationSnapshot(app.db.pool, config.ROLE_CACHE_TTL_MS, app.log)
    await revocations.ready
    app.addHook('onClose', async () => revocations.close())
    app.decorate('roles', createRoleCache(app.db.pool, config.ROLE_CACHE_TTL_MS, revocations))
    app.decorate('apiKeys', createApiKeyCache(app.db.pool, config.ROLE_CACHE_TTL_MS))
    const authFailures = createAuthFailureAudit(app.db.prisma, app.log)
    app.decorate('authFailures', authFailures)
    // Counted failures are written before the pool closes (onClose hooks run last-registered first).
    app.addHook('onClose', () => authFailures.close())
    app.decorateRequest('principal', null)

    app.decorate('authenticate', async function authenticate(request: FastifyRequest, reply: FastifyReply) {
      const key = apiKeyCredential(request)
      if (key !== null) return authenticateApiKey(request, reply, key)
      let claims: Record<string, unknown>
      try {
        claims = await request.jwtVerify<Record<string, unknown>>()
      } catch (err) {
        return rejectAuthentication(request, reply, reasonOf(err))
      }
      const identity = medusaIdentity(claims)
      if (typeof identity === 'string') return rejectAuthentication(request, reply, identity)
      // One cached round trip per actor: the staff role and the token cut-off together.
      const standing = await app.roles.standingOf(identity)
      if (isRevoked(identity.issuedAt, standing)) return rejectAuthentication(request, reply, 'token_revoked')
      // exp is a required claim, verified by fast-jwt (a number: it compares it with the clock).
      const token = typeof claims['exp'] === 'number' ? { issuedAt: identity.issuedAt, expiresAt: claims['exp'] } : undefined
      request.principal = {
        actorType: identity.actorType, actorId: identity.actorId, role: standing.role,
        ...(standing.groups.length ? { groups: standing.groups } : {}), ...(token ? { token } : {}),
      }
    })

    /** Every refusal is the JWT path's 401; only the audit row and the log say why (never the key). */
    async function authenticateApiKey(request: FastifyRequest, reply: FastifyReply, key: string) {
      const parsed = parseApiKey(key)
      if (!parsed) return rejectAuthentication(request, reply, 'api_key_unknown')
      const standing = await app.apiKeys.standingOf(parsed.id)
      // A wrong secret for a real id is as unknown as a made-up id (constant-time comparison).
      if (!standing || !sameKeyHash(standing.keyHash, parsed.hash)) return rejectAuthentication(request, reply, 'api_key_unknown')
      if (standing.revoked) return rejectAuthentication(request, reply, 'api_key_revoked')
      if (standing.expiresAt !== null && standing.expiresAt <= Date.now()) return rejectAuthentication(request, reply, 'api_key_expired')
      if (!standing.allows(request.ip)) return rejectAuthentication(request, reply, 'api_key_ip_not_allowed')
      request.principal = { actorType: 'api_key', actorId: parsed.id, role: 'api_key', scopes: standing.scopes }
    }

    async function rejectAuthentication(request: FastifyRequest, reply: FastifyReply, reason: string) {
      const limited = await recordAuthFailure(app, request, reason)
      if (limited) {
        reply.header('retry-after', String(limited.retryAfterSeconds))
        return sendError(request, reply, 'RATE_LIMITED')
      }
      return sendError(request, reply, 'UNAUTHENTICATED')
    }
  },
  { name: 'auth', dependencies: ['config', 'database', 'redis', 'errors'] },
)
