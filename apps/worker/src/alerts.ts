// The stable `alert` values of the worker's alert-worthy log lines: log-based alerting matches on
// them (docs/observability.md). The audit chain's own live in handlers/maintenance-audit-verify.ts,
// the database's in worker.ts.
import type { Logger } from '@printforge/logger'
import type { JobAttempt } from './processor.js'

export const ALERTS = {
  /** A queue job failed for good: its last attempt, or a permanent error. */
  jobFailed: 'job_failed',
  /** The printer's certificate is not the one trusted (changed, or from another CA). */
  printerUntrusted: 'printer_untrusted',
  /** The printer refused the access code. */
  printerAuthFailed: 'printer_auth_failed',
  /** A print failed on the printer with an error (not stopped by someone at the printer). */
  printerError: 'printer_print_error',
} as const

/** The processor's observer half that logs terminal failures: one error line per failed job. */
export function alertOnTerminalFailure(log: Logger): (attempt: JobAttempt) => void {
  return ({ outcome, job, jobId, attempt, error, requestId }) => {
    if (outcome !== 'failed') return
    log.error({ alert: ALERTS.jobFailed, job, jobId, ...(requestId ? { requestId } : {}), attempt, err: error }, 'ALERT: job failed terminally')
  }
}
