// maintenance.audit-verify: recomputes the audit hash chain nightly. A break is an incident
// (tampering or a lost row), so it is logged at error level with a stable `alert` field that
// log-based alerting matches on.
import { SYSTEM_CONTEXT, verifyAuditChain, withTx, type Db } from '@printforge/db'
import type { Logger } from '@printforge/logger'
import type { Handler } from '../processor.js'

export const AUDIT_ALERT = 'audit_chain_broken'

export function createAuditVerify(deps: { db: Db; log: Logger }): Handler<'maintenance.audit-verify'> {
  return async () => {
    const result = await withTx(deps.db, SYSTEM_CONTEXT, (tx) => verifyAuditChain(tx), { timeoutMs: 300_000 })
    if (result.ok) {
      deps.log.info({ checked: result.checked }, 'audit chain verified')
      return
    }
    deps.log.error({ alert: AUDIT_ALERT, checked: result.checked, firstBrokenId: result.firstBrokenId }, 'ALERT: audit chain verification failed')
  }
}
