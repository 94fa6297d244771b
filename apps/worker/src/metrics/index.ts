// The worker's metrics (docs/observability.md, "Worker"): one registry per running worker, never
// prom-client's global one (tests and benches run several workers in one process). What is read
// at scrape time is registered here; what the worker's code observes is returned as instruments.
import type { Database, Db } from '@printforge/db'
import type { QueueName } from '@printforge/jobs'
import { createRegistry, registerPoolMetrics, registerUpGauge, type Registry } from '@printforge/metrics'
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import type { JobAttempt } from '../processor.js'
import type { PrinterManager } from '../printers/manager.js'
import { activeJobsReader } from './active-jobs.js'
import { registerAuditChainMetrics } from './audit-chain.js'
import { createCommandMetrics, type CommandMetrics } from './commands.js'
import { createFtpsMetrics, type FtpsMetrics } from './ftps.js'
import { createJobMetrics } from './jobs.js'
import { registerMqttMetrics } from './mqtt.js'
import { createPrinterLatencyMetrics, type PrinterLatencyMetrics } from './printer-latency.js'
import { registerPrinterMetrics } from './printers.js'
import { registerQueueMetrics } from './queues.js'
import { createScanMetrics, type ScanMetrics } from './scans.js'
import { createWebhookMetrics, type WebhookMetrics } from './webhooks.js'

/** What the worker's code observes as it runs. */
export interface WorkerInstruments {
  jobAttempt: (attempt: JobAttempt) => void
  scans: ScanMetrics
  commands: CommandMetrics
  ftps: FtpsMetrics
  latency: PrinterLatencyMetrics
  webhooks: WebhookMetrics
}

export interface WorkerMetrics {
  registry: Registry
  instruments: WorkerInstruments
  /** Registers the printer series once the printer sessions exist (only in a process that has them). */
  watchPrinters(manager: PrinterManager): void
}

export function createWorkerMetrics(o: { database: Database; poolMax: number; redis: Redis; queues: Record<QueueName, Queue>; db: Db }): WorkerMetrics {
  const registry = createRegistry('worker')
  registerPoolMetrics(registry, o.database.pool, o.poolMax)
  registerUpGauge(registry, 'database', () => o.database.health.up)
  // ioredis' own view of the connection: `ready` only while connected and past its handshake.
  registerUpGauge(registry, 'redis', () => o.redis.status === 'ready')
  registerQueueMetrics(registry, o.queues)
  registerAuditChainMetrics(registry, o.db)
  return {
    registry,
    instruments: {
      jobAttempt: createJobMetrics(registry),
      scans: createScanMetrics(registry),
      commands: createCommandMetrics(registry),
      ftps: createFtpsMetrics(registry),
      latency: createPrinterLatencyMetrics(registry),
      webhooks: createWebhookMetrics(registry, o.db),
    },
    watchPrinters(manager) {
      registerPrinterMetrics(registry, manager, activeJobsReader(o.db))
      registerMqttMetrics(registry, manager)
    },
  }
}
