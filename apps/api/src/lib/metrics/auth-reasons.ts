/**
 * Every reason an authentication can fail for, as recorded (auth.ts `reasonOf`, medusa-claims.ts,
 * the revocation check): the label set of `printforge_api_auth_failures_total`. A reason outside
 * it (a library adding an error code) is counted as `other`, so no input can add a series.
 */
export const AUTH_FAILURE_REASONS: ReadonlySet<string> = new Set([
  // @fastify/jwt, prefix FST_JWT_ removed
  'authorization_token_expired', 'authorization_token_invalid', 'authorization_token_untrusted', 'bad_cookie_request',
  'bad_request', 'no_authorization_in_cookie', 'no_authorization_in_header',
  // fast-jwt, prefix FAST_JWT_ removed
  'expired', 'inactive', 'invalid_algorithm', 'invalid_claim_type', 'invalid_claim_value', 'invalid_crit_header', 'invalid_key',
  'invalid_option', 'invalid_payload', 'invalid_signature', 'invalid_type', 'key_fetching_error', 'malformed', 'missing_key',
  'missing_required_claim', 'missing_signature', 'sign_error', 'verify_error', 'unknown',
  // medusa-claims.ts
  'bad_actor_id', 'bad_actor_type', 'bad_iat', 'bad_mfa_claim', 'empty_actor_id', 'iat_in_future', 'invite_token', 'purpose_claim',
  // auth.ts
  'token_revoked', 'api_key_unknown', 'api_key_revoked', 'api_key_expired', 'api_key_ip_not_allowed',
])
