/** Why a verified token still does not identify a caller; kept server-side, never sent. */
export type ClaimRejection =
  | 'purpose_claim'
  | 'invite_token'
  | 'empty_actor_id'
  | 'bad_actor_id'
  | 'bad_actor_type'
  | 'bad_iat'
  | 'iat_in_future'
  | 'bad_mfa_claim'
  | 'mfa_incomplete'

export interface MedusaIdentity {
  actorType: 'customer' | 'user'
  actorId: string
  /** `iat`, whole epoch seconds: compared with the actor's revocation cut-off. */
  issuedAt: number
}

/** Medusa ids are `<prefix>_<ULID>`; anything else cannot be one of theirs. */
export const ACTOR_ID_PATTERN = '^[A-Za-z0-9_-]{1,128}$'
const ACTOR_ID = new RegExp(ACTOR_ID_PATTERN)
const CLOCK_SKEW_S = 30

/**
 * Whether `mfa_challenge_completed_at` records a completed challenge. Medusa ≥ 2.21 writes an ISO
 * 8601 string (null until the challenge is done) and itself accepts any truthy value; we accept
 * only what can be a completion time: a string that parses as a date, or a positive epoch number
 * (seconds or milliseconds — either is a moment in the past, and we do not bound its age).
 * Empty strings, 0, false, objects and unparsable text count as "not completed": fail closed.
 */
export function mfaChallengeCompleted(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0
  if (typeof value === 'string') return value.trim() !== '' && Number.isFinite(Date.parse(value))
  return false
}

/**
 * Medusa ≥ 2.21 refuses a token whose identity has MFA enabled (`mfa_enabled: true`) until the
 * challenge is completed; so do we. Tokens from older Medusa carry neither claim and pass. A
 * present `mfa_enabled` that is not a boolean is no token Medusa signs: refused.
 */
function mfaRejection(claims: Record<string, unknown>): ClaimRejection | undefined {
  if (!('mfa_enabled' in claims) || claims['mfa_enabled'] === false) return undefined
  if (claims['mfa_enabled'] !== true) return 'bad_mfa_claim'
  return mfaChallengeCompleted(claims['mfa_challenge_completed_at']) ? undefined : 'mfa_incomplete'
}

/**
 * docs/product.md §2 claim rules on a token whose signature, algorithm, exp and iat already verified.
 * Identity is actor_type + actor_id; nothing in app_metadata grants rights.
 */
export function medusaIdentity(claims: Record<string, unknown>, nowSeconds = Date.now() / 1000): MedusaIdentity | ClaimRejection {
  // Password-reset and other single-purpose tokens carry `purpose`.
  if ('purpose' in claims) return 'purpose_claim'
  // Invite tokens identify an invite ({ id, email }), not an actor.
  if (!('actor_id' in claims) && ('email' in claims || 'id' in claims)) return 'invite_token'
  const { actor_id: actorId, actor_type: actorType, iat } = claims
  // Tokens issued before registration completes have an empty actor_id.
  if (actorId === '' || actorId === undefined || actorId === null) return 'empty_actor_id'
  if (typeof actorId !== 'string' || !ACTOR_ID.test(actorId)) return 'bad_actor_id'
  if (actorType !== 'customer' && actorType !== 'user') return 'bad_actor_type'
  // fast-jwt requires iat but not its type; the revocation check compares it as a number.
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return 'bad_iat'
  if (iat > nowSeconds + CLOCK_SKEW_S) return 'iat_in_future'
  const mfa = mfaRejection(claims)
  if (mfa) return mfa
  return { actorType, actorId, issuedAt: iat }
}
