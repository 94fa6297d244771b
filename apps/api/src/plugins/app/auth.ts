import jwt from '@fastify/jwt'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { ApiKeyScope } from '@printforge/domain'
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
 * Verifies the Medusa-issued bearer token (docs/product.md §2). The algorithm is pinned by config;
 * exp and iat (and iss/aud when configured) are required claims; 30 s clock skew; a token issued
 * at or before its actor's revocation cut-off is refused. Every failure
 * answers the same 401, whatever the cause; the cause is logged and audited, never the token.
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
    const authFailures = createAuthFailureAudit(app.db.prisma, app.log)
    app.decorate('authFailures', authFailures)
    // Counted failures are written before the pool closes (onClose hooks run last-registered first).
    app.addHook('onClose', () => authFailures.close())
    app.decorateRequest('principal', null)

    app.decorate('authenticate', async function authenticate(request: FastifyRequest, reply: FastifyReply) {
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
      request.principal = { actorType: identity.actorType, actorId: identity.actorId, role: standing.role }
    })

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
