// Turns due webhook deliveries into `webhook.deliver` jobs. Producers only record events
// (webhook_emit, in their own transaction); webhook_emit and a replay NOTIFY `printforge_webhooks`
// at commit, which this dispatcher LISTENs for on a dedicated connection (reconnecting), and it
// polls every few seconds too, so a missed notification, a lost job or a retry that came due
// is picked up within one poll. The row is the truth: jobs are keyed `<deliveryId>-<attempts>`,
// so repeated wake-ups collapse onto the job that is already queued.
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { dueWebhookDeliveries } from '@printforge/domain'
import { enqueue, requeueMissing, type SweepQueues } from '@printforge/jobs'
import type { Logger } from '@printforge/logger'
import pg from 'pg'

export const WEBHOOK_CHANNEL = 'printforge_webhooks'

export interface DispatcherOptions {
  db: Db
  queues: SweepQueues
  log: Logger
  /** The LISTEN connection's URL (the app role: LISTEN needs no privilege). */
  databaseUrl: string
  pollMs?: number
  batch?: number
}

/** A job this dispatcher added is trusted to be live for this long before it is checked in Redis. */
const TRUST_MS = 60_000

export class WebhookDispatcher {
  private listener: pg.Client | null = null
  private pollTimer: NodeJS.Timeout | undefined
  private reconnectTimer: NodeJS.Timeout | undefined
  private reconnectMs = 500
  private running: Promise<void> | null = null
  private again = false
  private closed = false
  /** key → when this process enqueued it: a fresh key is added blindly, an old one checked. */
  private readonly recent = new Map<string, number>()
  private readonly pollMs: number
  private readonly batch: number

  constructor(private readonly o: DispatcherOptions) {
    this.pollMs = o.pollMs ?? 2_000
    this.batch = o.batch ?? 500
  }

  async start(): Promise<void> {
    await this.listen()
    this.pollTimer = setInterval(() => this.wake(), this.pollMs)
    this.pollTimer.unref()
    this.wake()
  }

  /** Runs a pass now, or right after the running one (wake-ups coalesce). */
  wake(): void {
    if (this.closed) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.passes().finally(() => (this.running = null))
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.pollTimer)
    clearTimeout(this.reconnectTimer)
    const listener = this.listener
    this.listener = null
    await listener?.end().catch(() => {})
    await this.running
  }

  private async passes(): Promise<void> {
    do {
      this.again = false
      try {
        const added = await this.pass()
        // A full batch: there is more due right now.
        if (added >= this.batch) this.again = true
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message }, 'webhook dispatch pass failed; the next poll retries')
      }
    } while (this.again && !this.closed)
  }

  private async pass(): Promise<number> {
    const due = await withTx(this.o.db, SYSTEM_CONTEXT, (tx) => dueWebhookDeliveries(tx, this.batch))
    const now = Date.now()
    for (const [key, at] of this.recent) if (now - at > 10 * TRUST_MS) this.recent.delete(key)
    await Promise.all(
      due.map(async ({ id, endpointId, attempts, nextAttemptAt }) => {
        // The row's state names the job: a retry, a lease that ran out or a replay is a new key.
        const key = `${id}-${attempts}-${nextAttemptAt.getTime()}`
        const seen = this.recent.get(key)
        if (seen !== undefined && now - seen < TRUST_MS) return
        // First sight: add (a job with this id absorbs it). Still due long after: the job may
        // have been lost or have failed for good, so look at it and re-add if it is not live.
        if (seen === undefined) await enqueue(this.o.queues, 'webhook.deliver', { deliveryId: id, endpointId }, key)
        else await requeueMissing(this.o.queues, 'webhook.deliver', { deliveryId: id, endpointId }, key)
        this.recent.set(key, now)
      }),
    )
    return due.length
  }

  private async listen(): Promise<void> {
    if (this.closed) return
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'printforge-webhook-listener', keepAlive: true })
    const retry = () => {
      if (this.closed || this.listener !== client) return
      this.listener = null
      client.end().catch(() => {})
      this.o.log.warn({ inMs: this.reconnectMs }, 'webhook LISTEN connection lost; polling until it is back')
      this.reconnectTimer = setTimeout(() => void this.listen(), this.reconnectMs)
      this.reconnectMs = Math.min(this.reconnectMs * 2, 10_000)
    }
    client.on('error', retry)
    client.on('end', retry)
    client.on('notification', () => this.wake())
    this.listener = client
    try {
      await client.connect()
      await client.query(`LISTEN ${WEBHOOK_CHANNEL}`)
      this.reconnectMs = 500
      // Notifications sent while we were away are gone: catch up once.
      this.wake()
    } catch {
      retry()
    }
  }
}
