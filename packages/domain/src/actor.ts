import type { AuditEntry } from '@printforge/db'

/** Who does something, as the audit row records it. */
export type Actor = Pick<AuditEntry, 'actorType' | 'actorId'>

/** The worker and ops commands. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ actorType: 'system', actorId: 'system' })

/** The request fields every audit row carries (docs/product.md §5.3). Never a credential. */
export interface RequestMeta {
  ip?: string
  userAgent?: string
  requestId?: string
}
