import os from 'node:os'
import type { DbContext } from '@printforge/db'

/** Who runs an ops command: the login on this machine, so the audit trail names a person. */
export const opsActor = (): string => `ops:${os.userInfo().username}`

/**
 * Ops commands act with the system's rights under the operator's own name. The database accepts
 * an audit row only in the name of the transaction's context (policy audit_append), so a command
 * that audits as `ops:<login>` must run in a context that is `ops:<login>`.
 */
export const opsContext = (): DbContext => ({ actorId: opsActor(), role: 'system' })
