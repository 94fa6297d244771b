// One MQTT-over-TLS session to one printer (docs/bambu-protocol.md §1, §8): verified TLS, report topic
// only, get_version + pushall on connect, delta merge, stall watchdog, capped backoff, and distinct
// terminal-ish states for a wrong access code and an untrusted certificate.
import { EventEmitter } from 'node:events'
import { type MqttClient } from 'mqtt'
import { AckTracker } from './acks.js'
import { Backoff, type BackoffOptions } from './backoff.js'
import * as cmd from './commands.js'
import { BambuCommandError } from './errors.js'
import { silentLogger, type BambuLogger } from './logger.js'
import { DEFAULT_STATE_LIMITS, type StateLimits } from './bounded-state.js'
import { connectMqtt } from './mqtt-connect.js'
import { ReportIntake, type IntakeStats } from './report-intake.js'
import { BUSY_STATES, toStatus, versionInfo, type PrinterStatus } from './status.js'
import { isTrustError } from './tls.js'
import { type JsonObject } from './merge.js'

/** Connection states; the `printer_status.connection` column stores exactly these strings. */
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'auth_failed' | 'untrusted'

export interface BambuSessionOptions {
  host: string
  /** Default 8883. */
  port?: number
  /** Upper-case serial: topic names, TLS servername and the certificate CN all use it. */
  serial: string
  /** LAN access code (the MQTT password). Never logged. */
  accessCode: string
  model: cmd.BambuModel
  /** CAs trusted in addition to Bambu's bundle (e.g. the virtual printers' test CA). */
  extraCaPems?: string[]
  logger?: BambuLogger
  /** Silence after which the watchdog sends pushall. Default 60 s. */
  watchdogMs?: number
  /** Further silence after that pushall before reconnecting. Default watchdogMs / 4. */
  watchdogGraceMs?: number
  backoff?: BackoffOptions
  /** Wait after a refused access code before trying again. Default 10 min. */
  authRetryMs?: number
  /** Wait after a certificate that failed verification before trying again. Default 10 min. */
  untrustedRetryMs?: number
  /** Default 10 s. */
  ackTimeoutMs?: number
  /** Default 15 s. */
  connectTimeoutMs?: number
  /** Reports above this size are dropped. Default 512 KiB (real full reports are a few KiB). */
  maxMessageBytes?: number
  /**
   * Incoming MQTT packets declaring more than this drop the connection before they are buffered
   * (counted in `stats.oversizedPackets`). Default 1 MiB; keep it above `maxMessageBytes`, which
   * drops one report and keeps the connection.
   */
  maxPacketBytes?: number
  /** Bounds of the merged state; defaults in DEFAULT_STATE_LIMITS. */
  stateLimits?: Partial<StateLimits>
}

export interface SessionEvents {
  connection: [state: ConnectionState, reason: string | null]
  status: [status: PrinterStatus]
}

export interface SessionStats extends IntakeStats {
  connectAttempts: number
  /** Connections dropped because the printer announced a packet over `maxPacketBytes`. */
  oversizedPackets: number
}

export class BambuSession extends EventEmitter<SessionEvents> {
  /** Current connection state. */
  state: ConnectionState = 'offline'
  firmware: string | null = null
  productName: string | null = null
  private readonly intake: ReportIntake
  private readonly acks = new AckTracker()
  private readonly backoff: Backoff
  private readonly log: BambuLogger
  private client: MqttClient | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private watchdogTimer: NodeJS.Timeout | null = null
  private lastMessageAt = 0
  private nudgedAt: number | null = null
  private failure: 'auth' | 'trust' | null = null
  private controlRefused = false
  /** The Developer Mode probe of the current connection (a reboot, hence a reconnect, may change it). */
  private controlProbe: { client: MqttClient; result: Promise<boolean> } | null = null
  private sequence = 1
  private connectAttempts = 0
  private oversizedPackets = 0
  private closed = false
  private readonly reportTopic: string
  private readonly requestTopic: string

  constructor(protected readonly options: BambuSessionOptions) {
    super()
    this.reportTopic = `device/${options.serial}/report`
    this.requestTopic = `device/${options.serial}/request`
    this.intake = new ReportIntake(this.reportTopic, options.maxMessageBytes ?? 512 * 1024, { ...DEFAULT_STATE_LIMITS, ...options.stateLimits })
    this.backoff = new Backoff(options.backoff)
    // Only identifiers go into the log context: the options object holds the access code.
    this.log = options.logger ?? silentLogger
  }

  get serial(): string { return this.options.serial }
  get stats(): SessionStats { return { ...this.intake.stats, connectAttempts: this.connectAttempts, oversizedPackets: this.oversizedPackets } }
  /** The merged raw `print` object (read-only view for diagnostics and benchmarks). */
  get rawPrint(): Readonly<JsonObject> { return this.intake.print }

  /** True unless the printer showed it refuses unsigned commands (Developer Mode off). */
  get controlEnabled(): boolean {
    if (this.intake.signatureRequired !== null) return !this.intake.signatureRequired && !this.controlRefused
    return !this.controlRefused
  }

  get status(): PrinterStatus { return toStatus(this.intake.print, this.controlEnabled) }

  /**
   * Whether the printer takes unsigned control commands (Developer Mode on), found out before
   * anything is uploaded. X1/H2 firmware says so in `fun`; P1/A1 firmware sends no `fun`, so ask
   * it once per connection with `cmd.controlProbe()` (switching Developer Mode needs a reboot,
   * which is a new connection). Only for an idle printer. Rejects when the printer cannot answer
   * (offline, ACK_TIMEOUT); the caller decides whether that blocks.
   */
  async probeControl(timeoutMs?: number): Promise<boolean> {
    if (this.intake.signatureRequired !== null || this.controlRefused) return this.controlEnabled
    const client = this.client
    if (client && this.controlProbe?.client === client) return this.controlProbe.result
    this.assertReadyForJob('gcode_line')
    const result = this.send(cmd.controlProbe(), timeoutMs).then(
      () => true,
      (err: unknown) => {
        if (err instanceof BambuCommandError && err.code === 'CONTROL_DISABLED') return false
        if (this.controlProbe?.result === result) this.controlProbe = null // not an answer: ask again next time
        throw err
      },
    )
    if (client) this.controlProbe = { client, result }
    return result
  }

  /** Starts connecting; progress is reported through `connection` events. */
  start(): void {
    if (this.closed || this.client || this.retryTimer) return
    this.connect()
  }

  async close(): Promise<void> {
    this.closed = true
    this.clearTimers()
    this.acks.failAll((c) => new BambuCommandError('CLOSED', c, 'session closed'))
    const client = this.client
    this.client = null
    if (client) await client.endAsync(true).catch(() => {})
    this.setState('offline', 'closed')
  }

  private connect(): void {
    this.retryTimer = null
    this.failure = null
    this.connectAttempts++
    this.setState('connecting', null)
    const maxPacketBytes = this.options.maxPacketBytes ?? 1024 * 1024
    const client = connectMqtt({ ...this.options, maxPacketBytes }, (declaredBytes) => {
      // Dropped before it is buffered; the usual backoff paces the reconnects.
      this.oversizedPackets++
      this.log.warn({ serial: this.options.serial, declaredBytes, maxPacketBytes }, 'printer sent an oversized MQTT packet; dropping the connection')
    })
    this.client = client
    client.on('connect', () => this.onConnect(client))
    client.on('message', (topic, payload) => this.onMessage(topic, payload))
    client.on('error', (err) => this.onError(client, err))
    client.on('close', () => this.onClose(client))
  }

  private onConnect(client: MqttClient): void {
    this.lastMessageAt = Date.now()
    this.nudgedAt = null
    client.subscribe(this.reportTopic, { qos: 0 }, (err) => {
      if (err || client !== this.client) return
      this.setState('online', null)
      this.startWatchdog()
      // Re-read everything on every (re)connect; no command is ever replayed.
      this.send(cmd.getVersion()).catch((e: Error) => this.log.debug({ serial: this.options.serial, err: e.message }, 'get_version failed'))
      this.send(cmd.pushall()).catch(() => {})
    })
  }

  private onError(client: MqttClient, err: Error & { code?: unknown }): void {
    if (client !== this.client) return
    if (isTrustError(err)) this.failure = 'trust'
    // CONNACK 4 (bad user name or password) and 5 (not authorized) both mean a wrong access code (§1.1).
    else if (err.code === 4 || err.code === 5) this.failure = 'auth'
    this.log.warn({ serial: this.options.serial, code: err.code ?? null, err: err.message }, 'printer connection error')
  }

  private onClose(client: MqttClient): void {
    if (client !== this.client) return
    this.client = null
    client.removeAllListeners('message')
    client.end(true)
    this.stopWatchdog()
    this.acks.failAll((c) => new BambuCommandError('CONNECTION_LOST', c, 'connection lost before the acknowledgement'))
    if (this.closed) return
    if (this.failure === 'auth') {
      this.setState('auth_failed', 'access code refused')
      this.scheduleRetry(this.options.authRetryMs ?? 600_000)
    } else if (this.failure === 'trust') {
      this.setState('untrusted', 'certificate verification failed')
      this.scheduleRetry(this.options.untrustedRetryMs ?? 600_000)
    } else {
      this.setState('offline', 'connection closed')
      this.scheduleRetry(this.backoff.next())
    }
  }

  private scheduleRetry(delayMs: number): void {
    this.retryTimer = setTimeout(() => this.connect(), delayMs)
    this.retryTimer.unref?.()
  }

  private onMessage(topic: string, payload: Buffer): void {
    const result = this.intake.accept(topic, payload)
    if (result.kind === 'dropped') return
    this.lastMessageAt = Date.now()
    this.nudgedAt = null
    this.backoff.reset()
    for (const [cls, body] of result.classes) {
      if (typeof body.sequence_id !== 'string' && typeof body.sequence_id !== 'number') continue
      if (cls === 'info' && body.command === 'get_version') Object.assign(this, versionInfo(body, this))
      const outcome = this.acks.settle(cls, body)
      if (outcome === 'verify_failed' && !this.controlRefused) {
        this.controlRefused = true
        result.statusChanged = true
      } else if (outcome === 'success' && cls === 'print' && this.controlRefused) {
        // A control command went through: Developer Mode is back on.
        this.controlRefused = false
        result.statusChanged = true
      }
    }
    if (result.statusChanged) this.emit('status', this.status)
  }

  // ---- watchdog ---------------------------------------------------------------------------------
  private startWatchdog(): void {
    const limit = this.options.watchdogMs ?? 60_000
    const grace = this.options.watchdogGraceMs ?? Math.round(limit / 4)
    this.stopWatchdog()
    this.watchdogTimer = setInterval(() => {
      const now = Date.now()
      if (this.nudgedAt === null && now - this.lastMessageAt >= limit) {
        // P1-class firmware can go silent with TCP up (§1.4): first ask for everything again...
        this.nudgedAt = now
        this.log.warn({ serial: this.options.serial, silentMs: now - this.lastMessageAt }, 'printer silent; sending pushall')
        this.send(cmd.pushall()).catch(() => {})
      } else if (this.nudgedAt !== null && now - this.nudgedAt >= grace) {
        // ...then assume the session is dead and start a new one.
        this.log.warn({ serial: this.options.serial }, 'printer still silent after pushall; reconnecting')
        this.client?.stream.destroy()
      }
    }, Math.max(50, Math.min(5_000, Math.floor(Math.min(limit, grace) / 4))))
    this.watchdogTimer.unref?.()
  }

  private stopWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer)
    this.watchdogTimer = null
  }

  private clearTimers(): void {
    this.stopWatchdog()
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }

  private setState(state: ConnectionState, reason: string | null): void {
    if (state === this.state) return
    this.state = state
    this.log.info({ serial: this.options.serial, state, reason }, 'printer connection state')
    this.emit('connection', state, reason)
  }

  /**
   * Publishes a request at QoS 1 and, for acknowledged commands, waits for the ack with the same
   * (class, command, sequence_id). Never queued or retried: a command sent while offline fails with
   * NOT_CONNECTED, and one in flight when the session drops fails with CONNECTION_LOST.
   *
   * One deadline, `timeoutMs` from this call, covers both acknowledgements: the broker's PUBACK and
   * the printer's JSON answer. A frozen printer stalls its broker too (docs/bambu-protocol.md §1.4),
   * and without a deadline on the PUBACK the caller waited until keepalive noticed (~45 s) and then
   * got mqtt.js's plain `Error('Connection closed')`. Every transport failure is a typed
   * BambuCommandError: CONNECTION_LOST (it may have left: confirm by state), ACK_TIMEOUT (the
   * deadline) or CLOSED (our own close).
   */
  async send(spec: cmd.CommandSpec, timeoutMs = this.options.ackTimeoutMs ?? 10_000): Promise<JsonObject | null> {
    const client = this.client
    if (!client || this.state !== 'online') throw new BambuCommandError('NOT_CONNECTED', spec.command, `printer ${this.options.serial} is ${this.state}`)
    const sequenceId = String(this.sequence++)
    const payload = JSON.stringify({ [spec.cls]: { sequence_id: sequenceId, command: spec.command, ...spec.fields } })
    const ack = spec.acked ? this.acks.expect(spec.cls, spec.command, sequenceId, timeoutMs) : null
    ack?.catch(() => {}) // observed below; this only prevents an unhandled rejection while publishing
    this.log.debug({ serial: this.options.serial, command: spec.command, sequenceId }, 'printer command')
    const published = this.publishWithin(client, spec.command, payload, timeoutMs)
    if (!ack) return published.then(() => null)
    published.catch(() => {}) // observed through the race below
    // The printer's answer proves delivery even if its PUBACK is late; a failed publish ends it at once.
    return Promise.race([ack, published.then(() => ack)])
  }

  /** The QoS 1 publish, settled by its PUBACK, a transport failure or the deadline, whichever comes first. */
  private publishWithin(client: MqttClient, command: string, payload: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false
      const finish = (err: BambuCommandError | null) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (err) reject(err)
        else resolve()
      }
      const timer = setTimeout(() => finish(new BambuCommandError('ACK_TIMEOUT', command, `no PUBACK for ${command} within ${timeoutMs} ms`)), timeoutMs)
      const lost = (err: Error) =>
        this.closed
          ? new BambuCommandError('CLOSED', command, 'session closed')
          : new BambuCommandError('CONNECTION_LOST', command, `connection lost before the PUBACK (${err.message.slice(0, 100)})`)
      try {
        // mqtt.js calls back with an error when the connection closes before the PUBACK (session.onClose
        // ends the client, which flushes its outgoing callbacks), when the client is ending, or when
        // its store refuses the packet: in every case the command may or may not have left.
        client.publish(this.requestTopic, payload, { qos: 1 }, (err) => finish(err ? lost(err) : null))
      } catch (err) {
        finish(lost(err instanceof Error ? err : new Error(String(err))))
      }
    })
  }

  /** Refuses locally what a busy printer would refuse (or worse, cancel the running job on an A1 mini). */
  protected assertReadyForJob(command: string): void {
    const state = this.intake.print.gcode_state
    if (typeof state !== 'string') throw new BambuCommandError('STATE_UNKNOWN', command, 'no state reported yet')
    if (BUSY_STATES.has(state)) throw new BambuCommandError('PRINTER_BUSY', command, `printer is ${state}`)
  }
}
