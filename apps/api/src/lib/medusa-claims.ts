/** Why a verified token still does not identify a caller; kept server-side, never sent. */
export type ClaimRejection = 'purpose_claim' | 'invite_token' | 'empty_actor_id' | 'bad_actor_id' | 'bad_actor_type' | 'iat_in_future'

export type MedusaIdentity = { actorType: 'customer' | 'user'; actorId: string }

/** Medusa ids are `<prefix>_<ULID>`; anything else cannot be one of theirs. */
const ACTOR_ID = /^[A-Za-z0-9_-]{1,128}$/
const CLOCK_SKEW_S = 30

/**
 * PRODUCT §2 claim rules on a token whose signature, algorithm, exp and iat already verified.
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
  if (typeof iat === 'number' && iat > nowSeconds + CLOCK_SKEW_S) return 'iat_in_future'
  return { actorType, actorId }
}
