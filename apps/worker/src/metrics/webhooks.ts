// printforge_webhook_deliveries_total{outcome}, printforge_webhook_delivery_duration_seconds and
// printforge_webhook_pending (docs/observability.md, "Worker"). The pending depth is read from the
// database at scrape time (the rows are the truth, not the queue), bounded; a failed read keeps
// the last value.
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { Counter, Gauge, Histogram, type Registry } from '@printforge/metrics'
import { readWithin, SCRAPE_READ_MS } from './scrape-read.js'

/** How an attempt ended: delivered, retry (failed, another attempt scheduled), dead (the last failed). */
export type WebhookOutcome = 'delivered' | 'retry' | 'dead'

export interface WebhookMetrics {
  attempt(outcome: WebhookOutcome, seconds: number): void
}

export function createWebhookMetrics(registry: Registry, db: Db): WebhookMetrics {
  const total = new Counter({
    name: 'printforge_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered, retry (failed, rescheduled) or dead (failed for the last time)',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'printforge_webhook_delivery_duration_seconds',
    help: 'Duration of one webhook delivery attempt (connect, send, first 256 characters of the answer)',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  for (const outcome of ['delivered', 'retry', 'dead'] as const) total.inc({ outcome }, 0)
  new Gauge({
    name: 'printforge_webhook_pending',
    help: 'Webhook deliveries pending (waiting for their first or next attempt), read from the database at scrape time',
    registers: [registry],
    async collect() {
      const count = await readWithin(() =>
        withTx(db, SYSTEM_CONTEXT, (tx) => tx.webhookDelivery.count({ where: { status: 'pending' } }), { timeoutMs: SCRAPE_READ_MS, maxWaitMs: SCRAPE_READ_MS }),
      )
      if (count !== undefined) this.set(count)
    },
  })
  return {
    attempt(outcome, seconds) {
      total.inc({ outcome })
      duration.observe(seconds)
    },
  }
}
