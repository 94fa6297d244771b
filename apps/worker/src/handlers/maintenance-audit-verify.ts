// maintenance.audit-verify: recomputes the audit hash chain nightly, batch by batch. A break is an
// incident (tampering or a lost row), so it is logged at error level with a stable `alert` field
// that log-based alerting matches on. So is a verification that cannot finish: an unverified log
// must not pass for a verified one.
//
// Resumable: after every batch the position (row id + its hash) is checkpointed in the database.
// A run cut short — worker restart, time budget, database error — resumes there on the job's next
// attempt instead of starting over; the finished run is recorded in audit_verifications.
import {
  AuditVerifyIncomplete,
  loadVerifyCheckpoint,
  recordAuditVerification,
  saveVerifyCheckpoint,
  SYSTEM_CONTEXT,
  walkAuditChain,
  type AuditWalk,
  type Db,
} from '@printforge/db'
import type { Logger } from '@printforge/logger'
import type { Handler } from '../processor.js'

export const AUDIT_ALERT = 'audit_chain_broken'
/** The chain could not be verified to the end (final attempt failed, or over its time budget). */
export const AUDIT_VERIFY_INCOMPLETE_ALERT = 'audit_verify_incomplete'

/** One attempt's time; later attempts resume from the checkpoint. */
const DEFAULT_BUDGET_MS = 30 * 60_000

export interface AuditVerifyDeps {
  db: Db
  log: Logger
  budgetMs?: number
  batchRows?: number
}

export function createAuditVerify(deps: AuditVerifyDeps): Handler<'maintenance.audit-verify'> {
  return async (_payload, ctx) => {
    let startedAt = new Date()
    let walk: AuditWalk
    try {
      const checkpoint = await loadVerifyCheckpoint(deps.db)
      if (checkpoint) {
        startedAt = checkpoint.startedAt
        deps.log.info({ throughId: checkpoint.position.throughId, checked: checkpoint.position.checked }, 'resuming audit verification')
      }
      walk = await walkAuditChain(deps.db, SYSTEM_CONTEXT, {
        resumeFrom: checkpoint?.position,
        batchRows: deps.batchRows,
        deadline: Date.now() + (deps.budgetMs ?? DEFAULT_BUDGET_MS),
        signal: ctx.signal,
        onProgress: (position) => saveVerifyCheckpoint(deps.db, { startedAt, position }),
      })
    } catch (err) {
      // A shutdown hands the job back; it resumes elsewhere without an alert.
      if (!ctx.signal.aborted && (err instanceof AuditVerifyIncomplete || ctx.finalAttempt)) {
        deps.log.error(
          { alert: AUDIT_VERIFY_INCOMPLETE_ALERT, attempt: ctx.attempt, finalAttempt: ctx.finalAttempt, reason: (err as Error).message },
          'ALERT: audit chain verification could not finish',
        )
      }
      throw err
    }
    await recordAuditVerification(deps.db, SYSTEM_CONTEXT, { startedAt, source: 'nightly', walk, clearCheckpoint: true })
    if (walk.ok) {
      deps.log.info({ checked: walk.checked, throughId: walk.through.throughId }, 'audit chain verified')
      return
    }
    deps.log.error({ alert: AUDIT_ALERT, checked: walk.checked, firstBrokenId: walk.firstBrokenId }, 'ALERT: audit chain verification failed')
  }
}
