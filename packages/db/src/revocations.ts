import { writeAudit, type AuditEntry } from './audit.js'
import type { Tx } from './client.js'
import type { TokenActorType } from './generated/prisma/client.js'

export interface TokenRevocation {
  /** Whose tokens: a Medusa customer or user. */
  target: { actorType: TokenActorType; actorId: string }
  /** Who revokes (an admin, or the system for ops commands): revoked_by and the audit actor. */
  by: { actorType: AuditEntry['actorType']; actorId: string }
  /** Request fields for the audit row. */
  meta?: Pick<AuditEntry, 'ip' | 'userAgent' | 'requestId'>
  /** Why, for a human reading the audit log (e.g. 'admin', 'staff.removed', 'cli'). */
  reason: string
}

/**
 * Refuses every token of `target` issued up to now (docs/product.md §2), inside the caller's transaction,
 * which needs an admin or system context. The cut-off is the database's now(), one clock for every
 * API instance; it only moves forward (GREATEST), so a late or repeated revocation never re-admits
 * a token. The `tokens.revoked` audit row is written last in the same transaction: a revocation
 * never commits unaudited. Returns the cut-off: tokens whose `iat` is at or before its second are
 * refused; tokens issued in a later second are not.
 */
export async function revokeTokens(tx: Tx, revocation: TokenRevocation): Promise<Date> {
  const { target, by } = revocation
  const [row] = await tx.$queryRaw<{ revoked_before: Date }[]>`
    INSERT INTO token_revocations (actor_type, actor_id, revoked_before, revoked_by, updated_at)
    VALUES (${target.actorType}::"TokenActorType", ${target.actorId}, now(), ${by.actorId}, now())
    ON CONFLICT (actor_type, actor_id) DO UPDATE
      SET revoked_before = GREATEST(token_revocations.revoked_before, EXCLUDED.revoked_before),
          revoked_by = EXCLUDED.revoked_by,
          updated_at = EXCLUDED.updated_at
    RETURNING revoked_before`
  if (!row) throw new Error('revokeTokens: the upsert returned no row')
  await writeAudit(tx, {
    actorType: by.actorType,
    actorId: by.actorId,
    action: 'tokens.revoked',
    targetType: target.actorType,
    targetId: target.actorId,
    ...revocation.meta,
    details: { revokedBefore: row.revoked_before.toISOString(), reason: revocation.reason },
  })
  return row.revoked_before
}
