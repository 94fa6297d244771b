import type { FastifyBaseLogger } from 'fastify'
import pg from 'pg'
import { LIVE_CHANNEL, parseLiveChange, type LiveChange } from './changes.js'

export interface LiveListenerOptions {
  /** The app role's URL: LISTEN needs no privilege. Never logged. */
  databaseUrl: string
  log: Pick<FastifyBaseLogger, 'info' | 'error'>
  /** First reconnect delay, ms (doubles up to maxReconnectMs). */
  reconnectMs?: number
  maxReconnectMs?: number
}

export interface LiveSubscriber {
  change(change: LiveChange): void
  /** The LISTEN connection dropped: notifications sent until it is back are lost. */
  lost(): void
}

/**
 * The one LISTEN connection of an API instance (docs/console.md "GET /live"): every open stream
 * subscribes here, so a thousand streams cost one database connection, not a thousand. The
 * connection reconnects with backoff. While it is down nothing can be promised to a stream, so
 * subscribers are told (they end, and their clients reconnect and reload) and new streams are
 * refused until it is back: `ready` always means "subscribed".
 */
export class LiveListener {
  private client: pg.Client | null = null
  private timer: NodeJS.Timeout | undefined
  private delayMs: number
  private closed = false
  /** Between the first failure and the next successful LISTEN (one alert per outage). */
  private failing = false
  private readonly subscribers = new Set<LiveSubscriber>()
  listening = false

  constructor(private readonly o: LiveListenerOptions) {
    this.delayMs = o.reconnectMs ?? 500
  }

  /** Resolves once the first attempt settled (listening or not: the retries go on by themselves). */
  start(): Promise<void> {
    return this.connect()
  }

  subscribe(subscriber: LiveSubscriber): () => void {
    this.subscribers.add(subscriber)
    return () => this.subscribers.delete(subscriber)
  }

  get subscriberCount(): number {
    return this.subscribers.size
  }

  async close(): Promise<void> {
    this.closed = true
    this.listening = false
    clearTimeout(this.timer)
    const client = this.client
    this.client = null
    await client?.end().catch(() => {})
  }

  private async connect(): Promise<void> {
    if (this.closed) return
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'printforge-live-listener', keepAlive: true })
    this.client = client
    const retry = (err?: Error) => {
      if (this.closed || this.client !== client) return
      this.client = null
      const wasListening = this.listening
      this.listening = false
      client.end().catch(() => {})
      // Once per outage, not once per retry. The driver's message names the cause (refused,
      // authentication, terminated), never the URL.
      if (!this.failing) {
        this.failing = true
        this.o.log.error(
          { alert: 'live_listen_lost', reason: err?.message, retryInMs: this.delayMs },
          'live updates: the LISTEN connection to PostgreSQL is down; GET /live answers 503 until it reconnects (check DATABASE_URL and the database)',
        )
      }
      if (wasListening) for (const s of [...this.subscribers]) s.lost()
      this.timer = setTimeout(() => void this.connect(), this.delayMs)
      this.timer.unref()
      this.delayMs = Math.min(this.delayMs * 2, this.o.maxReconnectMs ?? 10_000)
    }
    client.on('error', retry)
    client.on('end', () => retry())
    client.on('notification', (message) => {
      if (message.channel !== LIVE_CHANNEL) return
      const change = parseLiveChange(message.payload)
      if (!change) return
      for (const s of this.subscribers) s.change(change)
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${LIVE_CHANNEL}`)
      if (this.client !== client) return
      this.listening = true
      if (this.failing) this.o.log.info({ alert: 'live_listen_recovered' }, 'live updates: LISTEN connection back')
      this.failing = false
      this.delayMs = this.o.reconnectMs ?? 500
    } catch (err) {
      retry(err as Error)
    }
  }
}
