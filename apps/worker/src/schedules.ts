// The maintenance schedules (docs/product.md §6), upserted at every start: idempotent, and every worker
// process may do it (one scheduler per id, whoever wrote it last).
import { catalog, type QueueName } from '@printforge/jobs'
import type { Queue } from 'bullmq'

export interface ScheduleSettings {
  /** Default: every minute. */
  sweepEveryMs: number
  /** Cron patterns (UTC). Defaults: 03:15 retention, 03:45 audit verification. */
  retentionPattern: string
  auditVerifyPattern: string
}

export const DEFAULT_SCHEDULES: ScheduleSettings = {
  sweepEveryMs: 60_000,
  retentionPattern: '15 3 * * *',
  auditVerifyPattern: '45 3 * * *',
}

export async function upsertSchedules(queues: Record<QueueName, Queue>, s: ScheduleSettings): Promise<void> {
  const maintenance = queues.maintenance
  const template = (name: 'maintenance.sweep' | 'maintenance.retention' | 'maintenance.audit-verify') => ({
    name,
    data: {},
    opts: { attempts: catalog[name].options.attempts, backoff: catalog[name].options.backoff, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  })
  await maintenance.upsertJobScheduler('maintenance-sweep', { every: s.sweepEveryMs }, template('maintenance.sweep'))
  await maintenance.upsertJobScheduler('maintenance-retention', { pattern: s.retentionPattern, tz: 'UTC' }, template('maintenance.retention'))
  await maintenance.upsertJobScheduler('maintenance-audit-verify', { pattern: s.auditVerifyPattern, tz: 'UTC' }, template('maintenance.audit-verify'))
}
