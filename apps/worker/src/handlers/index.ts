// The catalog's handlers, wired to their dependencies. A queue without printer sessions in this
// process (printers: false) gets handlers that refuse print work, so it is retried elsewhere.
import type { WorkerConfig } from '@printforge/config'
import type { Db } from '@printforge/db'
import type { QueueName } from '@printforge/jobs'
import type { Logger } from '@printforge/logger'
import type { PrinterKeyring } from '@printforge/printer-keys'
import type { InSpan } from '@printforge/tracing'
import type { ObjectStore } from '@printforge/storage'
import type { Queue } from 'bullmq'
import type { ClaimHooks } from '@printforge/domain'
import type { LeaseKeeper } from '../leases/lease-keeper.js'
import type { PrinterManager } from '../printers/manager.js'
import type { PrintFollower } from '../printers/print-follower.js'
import type { Handlers } from '../processor.js'
import type { WorkerInstruments } from '../metrics/index.js'
import { createAuditVerify } from './maintenance-audit-verify.js'
import { createRetention } from './maintenance-retention.js'
import { createSweep } from './maintenance-sweep.js'
import { createPrintCancel } from './print-cancel.js'
import { createPrintDispatch } from './print-dispatch.js'
import { createPrinterCommand } from './printer-command.js'
import { createScanIngest } from './scan-ingest.js'
import { createWebhookDeliver, type DeliverDeps } from '../webhooks/deliver.js'
import { EndpointSlots } from '../webhooks/slots.js'
import { parseDevTargets } from '@printforge/config'

export interface Timing {
  /** Longest wait for a printer to be online with a reported state. */
  readyTimeoutMs: number
  /** Longest wait for the printer to report a job's task after project_file (or after stop). */
  confirmTimeoutMs: number
  /** How long a printing job's printer may report another task before the job counts as lost. */
  taskLostMs: number
  progressThrottleMs: number
}

export interface HandlerDeps {
  db: Db
  store: ObjectStore
  log: Logger
  keyring: PrinterKeyring
  extraCaPems: string[]
  queues: Record<QueueName, Queue>
  config: WorkerConfig
  timing: Timing
  manager: PrinterManager | null
  /** This process's printer leases (with the manager): jobs for printers held elsewhere are handed on. */
  leases: LeaseKeeper | null
  follower: PrintFollower | null
  instruments: WorkerInstruments
  sweepMinAgeMs: number
  hooks: { claim?: ClaimHooks; beforeSend?: (jobId: string) => Promise<void> }
  /** A span around each printer command when tracing is on. */
  inSpan: InSpan
  /** Test-only webhook overrides (short schedule and timeouts, a chosen resolver, a pre-send hook). */
  webhooks?: Pick<DeliverDeps, 'delaysMs' | 'timeouts' | 'lookup' | 'beforeSend'> & { endpointConcurrency?: number }
}

export function buildHandlers(d: HandlerDeps): Handlers {
  const noPrinters = async () => {
    throw new Error('this worker process has no printer sessions')
  }
  const { manager, leases, follower, instruments } = d
  const printerHandlers = manager && follower
    ? {
        'print.dispatch': createPrintDispatch({
          db: d.db, store: d.store, keyring: d.keyring, extraCaPems: d.extraCaPems, log: d.log, manager, leases,
          readyTimeoutMs: d.timing.readyTimeoutMs, confirmTimeoutMs: d.timing.confirmTimeoutMs,
          onPrinting: () => follower.nudge(), claimHooks: d.hooks.claim, beforeSend: d.hooks.beforeSend, inSpan: d.inSpan,
          commands: instruments.commands, ftps: instruments.ftps, dispatchStart: instruments.latency.dispatchStart,
        }),
        'print.cancel': createPrintCancel({ db: d.db, manager, leases, readyTimeoutMs: d.timing.readyTimeoutMs, confirmTimeoutMs: d.timing.confirmTimeoutMs, commands: instruments.commands }),
        'printer.command': createPrinterCommand({ db: d.db, manager, leases, readyTimeoutMs: d.timing.readyTimeoutMs, inSpan: d.inSpan, commands: instruments.commands }),
      }
    : { 'print.dispatch': noPrinters, 'print.cancel': noPrinters, 'printer.command': noPrinters }
  return {
    'scan.ingest': createScanIngest({ db: d.db, store: d.store, log: d.log, sanitize: d.config.SCAN_SANITIZE, metrics: instruments.scans }),
    ...printerHandlers,
    'maintenance.sweep': createSweep({ db: d.db, store: d.store, queues: d.queues, log: d.log, minAgeMs: d.sweepMinAgeMs }),
    'maintenance.retention': createRetention({ db: d.db, store: d.store, log: d.log, jobRetentionDays: d.config.JOB_RETENTION_DAYS, auditRetentionDays: d.config.AUDIT_RETENTION_DAYS }),
    'maintenance.audit-verify': createAuditVerify({ db: d.db, log: d.log }),
    'webhook.deliver': createWebhookDeliver({
      db: d.db, keyring: d.keyring, log: d.log, metrics: instruments.webhooks,
      policy: { devTargets: parseDevTargets(d.config.WEBHOOK_DEV_TARGETS).targets },
      slots: new EndpointSlots(d.webhooks?.endpointConcurrency ?? d.config.WEBHOOK_ENDPOINT_CONCURRENCY ?? 4),
      ...d.webhooks,
    }),
  }
}
