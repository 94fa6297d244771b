import { PassThrough } from 'node:stream'
import { isAppError } from '@printforge/errors'
import type { FastifyBaseLogger } from 'fastify'
import type { LiveChange, LiveKind } from './changes.js'
import type { LiveSubscriber } from './listener.js'

/** Why the server ends a stream (docs/console.md): the client reconnects unless it is about the token or the role. */
export type ByeReason = 'token_expired' | 'role_revoked' | 'max_duration' | 'shutdown'

/** The staff role check's verdict: still staff, no longer staff, or the token was revoked. */
export type StandingCheck = 'ok' | 'role_revoked' | 'token_revoked'

export interface LiveStreamTimings {
  /** Changes arriving within this window become one read per id (docs/console.md: 250 ms). */
  coalesceMs: number
  /** `: keepalive` comment and slot heartbeat (15 s). */
  keepaliveMs: number
  /** Re-checks the caller's staff role (15 s). */
  roleCheckMs: number
}

export interface LiveStreamOptions {
  timings: LiveStreamTimings
  /** Epoch ms at which the stream ends with max_duration. */
  endsAt: number
  /** Epoch ms of the token's exp: the stream ends with token_expired then. */
  tokenExpiresAt: number
  /** One changed row, read under the caller's own context and serialized as its REST route does; throws NOT_FOUND when the caller cannot see it. */
  read(kind: LiveKind, id: string): Promise<string>
  checkStanding(): Promise<StandingCheck>
  subscribe(subscriber: LiveSubscriber): () => void
  heartbeat(): Promise<void>
  /** Runs once, whatever ended the stream (the server or the client going away). */
  onEnd(): void
  log: Pick<FastifyBaseLogger, 'warn'>
}

/** Bounds what one stream holds while a slow client or a burst keeps it from flushing. */
const MAX_PENDING = 5_000

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`

/**
 * One GET /live stream: the SSE body Fastify pipes to the client (so every onSend hook, and with
 * it every security header, applies as to any answer). Ids from the instance's LISTEN connection
 * are coalesced for `coalesceMs`, then each is read under the caller's own context and written as
 * an event; a slow client never queues events: while its socket is backed up, ids wait (deduplicated)
 * and only the latest state is read once it drains.
 */
export class LiveStream implements LiveSubscriber {
  readonly body = new PassThrough()
  private readonly pending = new Map<string, LiveChange>()
  private readonly timers: NodeJS.Timeout[] = []
  private flushTimer: NodeJS.Timeout | undefined
  private flushing = false
  private awaitingDrain = false
  private ended = false
  private checkingRole = false
  private unsubscribe: (() => void) | undefined

  constructor(private readonly o: LiveStreamOptions) {
    // Fastify destroys the body when the client goes away; either way, clean up once.
    this.body.once('close', () => this.finish())
  }

  /** Subscribes, then says `ready`: anything committed after the client's next REST load reaches it. */
  start(): void {
    const { timings } = this.o
    this.unsubscribe = this.o.subscribe(this)
    this.write(frame('ready', {}))
    const now = Date.now()
    // A token that outlives the stream's maximum ends with max_duration, else with token_expired.
    if (this.o.tokenExpiresAt <= this.o.endsAt) this.after(this.o.tokenExpiresAt - now, () => this.end('token_expired'))
    else this.after(this.o.endsAt - now, () => this.end('max_duration'))
    this.every(timings.keepaliveMs, () => {
      this.write(': keepalive\n\n')
      this.o.heartbeat().catch((err: Error) => this.o.log.warn({ reason: err.message }, 'live stream: slot heartbeat failed'))
    })
    this.every(timings.roleCheckMs, () => void this.checkRole())
  }

  change(change: LiveChange): void {
    if (this.ended) return
    const key = `${change.kind}:${change.id}`
    // Thousands of distinct rows behind (a bulk update, a reader that stopped reading): a reload
    // is cheaper than thousands of reads, and dropping ids would leave the page wrong.
    if (this.pending.size >= MAX_PENDING && !this.pending.has(key)) return this.end('shutdown')
    this.pending.set(key, change)
    this.schedule()
  }

  /** The instance lost its LISTEN connection: changes may have been missed, so the client must reload. */
  lost(): void {
    this.end('shutdown')
  }

  /** Says why and ends the stream (once). */
  end(reason: ByeReason): void {
    if (this.ended) return
    this.write(frame('bye', { reason }))
    this.body.end()
    this.finish()
  }

  private finish(): void {
    if (this.ended) return
    this.ended = true
    for (const t of this.timers) clearTimeout(t)
    clearTimeout(this.flushTimer)
    this.pending.clear()
    this.unsubscribe?.()
    this.o.onEnd()
  }

  private write(chunk: string): void {
    if (!this.ended && !this.body.destroyed) this.body.write(chunk)
  }

  private after(ms: number, run: () => void): void {
    this.timers.push(setTimeout(run, Math.max(0, ms)))
  }

  private every(ms: number, run: () => void): void {
    this.timers.push(setInterval(run, ms))
  }

  private schedule(): void {
    if (this.flushTimer || this.flushing || this.awaitingDrain || this.ended) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      void this.flush()
    }, this.o.timings.coalesceMs)
  }

  private async flush(): Promise<void> {
    if (this.ended) return
    if (this.body.writableNeedDrain) {
      this.awaitingDrain = true
      this.body.once('drain', () => {
        this.awaitingDrain = false
        this.schedule()
      })
      return
    }
    this.flushing = true
    const batch = [...this.pending.values()]
    this.pending.clear()
    try {
      for (const { kind, id } of batch) {
        if (this.ended) return
        try {
          this.write(frame(kind, await this.o.read(kind, id)))
        } catch (err) {
          // Gone, or not the caller's to see: the REST route would answer 404, so nothing is sent.
          if (isAppError(err) && err.code === 'NOT_FOUND') continue
          this.o.log.warn({ kind, reason: (err as Error).message }, 'live stream: a changed row could not be read; skipped')
        }
      }
    } finally {
      this.flushing = false
      if (this.pending.size > 0) this.schedule()
    }
  }

  private async checkRole(): Promise<void> {
    if (this.checkingRole || this.ended) return
    this.checkingRole = true
    try {
      const verdict = await this.o.checkStanding()
      if (verdict === 'role_revoked') this.end('role_revoked')
      else if (verdict === 'token_revoked') this.end('token_expired')
    } catch (err) {
      // The database is the authority; when it cannot answer, the next check asks again.
      this.o.log.warn({ reason: (err as Error).message }, 'live stream: staff role check failed; retrying at the next interval')
    } finally {
      this.checkingRole = false
    }
  }
}
