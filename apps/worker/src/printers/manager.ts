// Follows the `printers` table and keeps one Bambu session per registered printer. Printers the
// API adds, edits or removes are picked up by polling (id + updatedAt), so no restart is needed.
import { EventEmitter } from 'node:events'
import { createPrinterSession, type BambuPrinter, type BambuSessionOptions, type ConnectionState, type PrinterStatus } from '@printforge/bambu'
import { SYSTEM_CONTEXT, withTx, type BambuModel, type Db } from '@printforge/db'
import { clientModel, printersWithSecret } from '@printforge/domain'
import type { Logger } from '@printforge/logger'
import type { PrinterKeyring } from '@printforge/printer-keys'
import { ALERTS } from '../alerts.js'

/** A printer's connection facts: never its access code. */
export interface PrinterInfo {
  id: string
  name: string
  model: BambuModel
  serial: string
  host: string
  mqttPort: number
  ftpsPort: number
  updatedAt: Date
}

export interface ManagedPrinter {
  info: PrinterInfo
  session: BambuPrinter
}

export interface PrinterManagerEvents {
  status: [printerId: string, status: PrinterStatus]
  connection: [printerId: string, state: ConnectionState]
  /** A session was created, replaced or removed. */
  changed: [printerId: string]
}

export interface PrinterManagerOptions {
  db: Db
  keyring: PrinterKeyring
  extraCaPems: string[]
  log: Logger
  pollMs: number
  /** Test and benchmark knobs for the sessions (watchdog, backoff, timeouts). */
  sessionOptions?: Partial<BambuSessionOptions>
  /**
   * Whether this process holds the printer's lease (leases/lease-keeper.ts): sessions are kept for
   * those printers only. Absent: every registered printer (a single worker, tests).
   */
  holds?: (printerId: string) => boolean
}

const key = (p: { id: string; updatedAt: Date }) => `${p.id}@${p.updatedAt.getTime()}`

export class PrinterManager extends EventEmitter<PrinterManagerEvents> {
  private readonly printers = new Map<string, ManagedPrinter>()
  /** Rows whose access code could not be decrypted, by id@updatedAt: logged once, retried on change. */
  private readonly broken = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  private syncing: Promise<void> | null = null
  private closed = false

  constructor(private readonly o: PrinterManagerOptions) {
    super()
    this.setMaxListeners(0)
  }

  async start(): Promise<void> {
    await this.sync()
    this.timer = setInterval(() => {
      this.sync().catch((err: Error) => this.o.log.warn({ err: err.message }, 'printer table poll failed; retrying at the next interval'))
    }, this.o.pollMs)
    this.timer.unref()
  }

  /**
   * The printer's session while this process holds its lease. Checked on every call, not only at
   * the next poll: a process resumed after a pause must not act through a session it no longer owns.
   */
  get(printerId: string): ManagedPrinter | undefined {
    return this.held(printerId) ? this.printers.get(printerId) : undefined
  }

  list(): ManagedPrinter[] {
    return [...this.printers.values()].filter((p) => this.held(p.info.id))
  }

  private held(printerId: string): boolean {
    return this.o.holds?.(printerId) ?? true
  }

  /** Polls once now; concurrent callers share the running poll. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => (this.syncing = null))
    return this.syncing
  }

  /**
   * A poll that starts after any running one ended: what the lease keeper awaits, since a poll
   * already past its removals would not close the session of a lease given up a moment ago.
   */
  async resync(): Promise<void> {
    await this.syncing?.catch(() => {})
    await this.sync()
  }

  private async syncOnce(): Promise<void> {
    if (this.closed) return
    const rows = await withTx(this.o.db, SYSTEM_CONTEXT, (tx) =>
      tx.printer.findMany({ select: { id: true, name: true, model: true, serial: true, host: true, mqttPort: true, ftpsPort: true, updatedAt: true } }),
    )
    const registered = new Set(rows.map((r) => r.id))
    const held = (id: string) => this.held(id)
    // Closed before anything else: a printer whose lease went elsewhere must not keep two sessions.
    // All at once: a rebalance hands back hundreds, and each close waits for its socket.
    await Promise.all([...this.printers].map(([id, managed]) =>
      !registered.has(id) ? this.remove(id, managed, 'printer removed') : !held(id) ? this.remove(id, managed, 'lease not held') : null,
    ))
    const changed = rows.filter((r) => held(r.id)).filter((r) => {
      const current = this.printers.get(r.id)
      return (!current || key(current.info) !== key(r)) && !this.broken.has(key(r))
    })
    if (changed.length === 0) return
    // Secrets are read only for the printers about to (re)connect, and decrypted right here.
    const secrets = await withTx(this.o.db, SYSTEM_CONTEXT, (tx) => printersWithSecret(tx, this.o.keyring, changed.map((r) => r.id)))
    for (const info of changed) {
      const secret = secrets.find((s) => s.id === info.id && key(s) === key(info))
      if (!secret || this.closed || !held(info.id)) continue
      const previous = this.printers.get(info.id)
      if (previous) await this.remove(info.id, previous, 'printer changed')
      if ('error' in secret) {
        this.broken.add(key(info))
        this.o.log.error({ printerId: info.id, serial: info.serial, err: secret.error }, 'cannot decrypt the printer access code; not connecting')
        continue
      }
      this.add(info, secret.accessCode)
    }
  }

  private add(info: PrinterInfo, accessCode: string): void {
    const session = createPrinterSession({
      host: info.host,
      port: info.mqttPort,
      serial: info.serial,
      accessCode,
      model: clientModel(info.model),
      extraCaPems: this.o.extraCaPems,
      logger: this.o.log.child({ printerId: info.id }),
      ...this.o.sessionOptions,
    })
    session.on('status', (status) => this.emit('status', info.id, status))
    session.on('connection', (state) => {
      this.alertOnRefusal(info, state)
      this.emit('connection', info.id, state)
    })
    this.printers.set(info.id, { info, session })
    session.start()
    this.o.log.info({ printerId: info.id, serial: info.serial, model: info.model }, 'following printer')
    this.emit('changed', info.id)
  }

  /**
   * A changed certificate or a refused access code needs a person: one error line with a stable
   * `alert` each time the session lands there (it retries every 10 min). Never the access code.
   */
  private alertOnRefusal(info: PrinterInfo, state: ConnectionState): void {
    if (state === 'untrusted') {
      this.o.log.error({ alert: ALERTS.printerUntrusted, printerId: info.id, serial: info.serial }, "ALERT: printer certificate is not the trusted one (changed, or from another CA); not connecting")
    } else if (state === 'auth_failed') {
      this.o.log.error({ alert: ALERTS.printerAuthFailed, printerId: info.id, serial: info.serial }, 'ALERT: printer refused the access code; update it through the API')
    }
  }

  private async remove(id: string, managed: ManagedPrinter, reason: string): Promise<void> {
    this.printers.delete(id)
    managed.session.removeAllListeners()
    await managed.session.close()
    this.o.log.info({ printerId: id, serial: managed.info.serial, reason }, 'stopped following printer')
    this.emit('changed', id)
  }

  /**
   * Resolves with the printer once `predicate` holds (checked now, then on every status,
   * connection or session change); rejects after `timeoutMs` or when `signal` aborts.
   */
  waitFor(printerId: string, predicate: (p: ManagedPrinter) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<ManagedPrinter> {
    return new Promise((resolve, reject) => {
      const check = (id: string) => {
        if (id !== printerId) return
        const p = this.get(printerId)
        if (p && predicate(p)) finish(() => resolve(p))
      }
      const onAbort = () => finish(() => reject(signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason ?? 'aborted'))))
      const timer = setTimeout(() => finish(() => reject(new WaitTimeout(`printer ${printerId}: condition not reached within ${timeoutMs} ms`))), timeoutMs)
      const finish = (settle: () => void) => {
        clearTimeout(timer)
        this.off('status', check)
        this.off('connection', check)
        this.off('changed', check)
        signal?.removeEventListener('abort', onAbort)
        settle()
      }
      this.on('status', check)
      this.on('connection', check)
      this.on('changed', check)
      signal?.addEventListener('abort', onAbort, { once: true })
      if (signal?.aborted) return onAbort()
      check(printerId)
    })
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    await this.syncing?.catch(() => {})
    await Promise.all([...this.printers].map(([id, p]) => this.remove(id, p, 'worker closing')))
  }
}

export class WaitTimeout extends Error {}

/** Online, with a reported job state: what every decision about the printer needs first. */
export const isReady = (p: ManagedPrinter) => p.session.state === 'online' && p.session.status.gcodeState !== null
