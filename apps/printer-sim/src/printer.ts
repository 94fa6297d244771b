// One virtual printer: MQTT-TLS + FTPS endpoints, the job state machine, periodic reports, and
// the fault switches tests and demos flip (docs/product.md §7).
import { createTestCa, issueModelCert, issuePrinterCert, type KeyPairPem, type TestCa } from './certs.js'
import { startFtpsEndpoint, type FtpsEndpoint } from './ftps-endpoint.js'
import { JobState } from './job-state.js'
import { MODEL_TRAITS, type PrinterModel } from './models.js'
import { startMqttEndpoint, type ClientStats, type MqttEndpoint } from './mqtt-endpoint.js'
import { type OversizedPacketResult } from './oversized-packet.js'
import { ReportComposer, type ReportContext } from './report-builder.js'
import { handleRequest, type PrinterContext } from './request-handler.js'
import { applyControl } from './control.js'
import { DEFAULT_AMS, toSimAms, type SimAms } from './ams.js'

export interface VirtualPrinterOptions {
  model: PrinterModel
  serial: string
  accessCode: string
  ca: TestCa
  speed: number
  reportIntervalMs: number
  timestampReports: boolean
  /** Concurrent MQTT clients accepted (DEFAULT_MAX_CLIENTS in models.ts); one more is a counted fault. */
  maxClients: number
  /** null = no FTPS endpoint (benchmarks that only need MQTT). */
  pasvRange: { min: number; max: number } | null
  /**
   * A printer on a network (a container on the printers' LAN): listen on `host` at fixed ports,
   * and tell clients `advertise` (the address they reach it at). Default: 127.0.0.1, random ports.
   */
  network?: { host: string; advertise: string; mqttPort: number; ftpsPort: number }
  /** Loaded trays; default DEFAULT_AMS (one AMS with four PLA colours). */
  ams?: SimAms
}

/** A request the printer received, kept for assertions ("was anything re-sent?"). */
export interface ReceivedRequest {
  topic: string
  at: number
  /** Parsed JSON, or null when the payload was not JSON. */
  message: Record<string, Record<string, unknown>> | null
}

export class VirtualPrinter {
  readonly job: JobState
  readonly requests: ReceivedRequest[] = []
  developerMode = true
  /** What is loaded (setAms changes it). */
  ams: SimAms
  private readonly lights = new Map<string, string>([['chamber_light', 'on'], ['work_light', 'off']])
  private readonly composer: ReportComposer
  private timer: NodeJS.Timeout | null = null
  private stalled: 'no' | 'until-reconnect' | 'yes' = 'no'
  private thawTimer: NodeJS.Timeout | null = null
  private lastTick = Date.now()

  private constructor(
    readonly options: VirtualPrinterOptions,
    private readonly mqtt: MqttEndpoint,
    private readonly ftps: FtpsEndpoint | null,
    job: JobState,
    private readonly cert: KeyPairPem,
  ) {
    this.job = job
    this.ams = toSimAms(options.ams ?? DEFAULT_AMS)
    const ctx: ReportContext = { traits: MODEL_TRAITS[options.model], job, lights: this.lights, developerMode: true, timestamp: options.timestampReports }
    Object.defineProperty(ctx, 'developerMode', { get: () => this.developerMode })
    Object.defineProperty(ctx, 'ams', { get: () => this.ams })
    this.composer = new ReportComposer(ctx)
  }

  static async start(options: VirtualPrinterOptions): Promise<VirtualPrinter> {
    const traits = MODEL_TRAITS[options.model]
    const cert = await issueModelCert(options.ca, options.serial, traits.chain)
    const job = new JobState({ speed: options.speed })
    let self: VirtualPrinter | null = null
    const mqtt = await startMqttEndpoint({
      serial: options.serial,
      accessCode: options.accessCode,
      cert,
      dropsRequestSubscribers: MODEL_TRAITS[options.model].dropsRequestSubscribers,
      onRequest: (topic, payload) => self?.onRequest(topic, payload),
      onClientConnected: () => self?.onClientConnected(),
      maxClients: options.maxClients,
      ...(options.network ? { listen: { host: options.network.host, port: options.network.mqttPort } } : {}),
    })
    const ftps = options.pasvRange
      ? await startFtpsEndpoint({
          accessCode: options.accessCode, cert, pasvMin: options.pasvRange.min, pasvMax: options.pasvRange.max, refuseTls13: traits.ftpsRefusesTls13,
          ...(options.network ? { listen: { host: options.network.host, port: options.network.ftpsPort, advertise: options.network.advertise } } : {}),
        })
      : null
    self = new VirtualPrinter(options, mqtt, ftps, job, cert)
    self.timer = setInterval(() => self?.tick(), options.reportIntervalMs)
    return self
  }

  /** The address clients use: 127.0.0.1, or the advertised one on a network. */
  get host(): string { return this.options.network?.advertise ?? '127.0.0.1' }
  get serial(): string { return this.options.serial }
  get model(): PrinterModel { return this.options.model }
  get accessCode(): string { return this.options.accessCode }
  get mqttPort(): number { return this.mqtt.port }
  /** 0 when the printer was started without FTPS. */
  get ftpsPort(): number { return this.ftps?.port ?? 0 }
  /** MQTT sessions accepted so far (reconnect counting). */
  get connections(): number { return this.mqtt.connections }
  get authAttempts(): number { return this.mqtt.authAttempts }
  get connectedClients(): number { return this.mqtt.connectedClients }
  /** Sessions at once and refused extra clients: assert `extraClients === 0` for "never two sessions". */
  get clientStats(): ClientStats { return this.mqtt.clientStats }

  /** Requests whose class/command match, e.g. `commands('print', 'project_file')`. */
  commands(cls: string, command: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.message?.[cls]?.command === command)
  }

  async fileSize(name: string): Promise<number | null> {
    return this.ftps ? this.ftps.fileSize(name) : null
  }

  /** Places a file on the printer's storage without FTPS (tests that are not about uploads). */
  async putFile(name: string, data: Buffer): Promise<void> {
    if (!this.ftps) throw new Error('printer started without storage (ftps: false)')
    await this.ftps.putFile(name, data)
  }

  // ---- faults -------------------------------------------------------------------------------
  /** Fails the current job (or the idle printer) with an HMS code `AAAA_AAAA_CCCC_CCCC`. */
  failPrint(hmsCode = '0300_0100_0001_0007', printError = 0): void {
    const hex = hmsCode.replace(/_/g, '')
    this.job.fail({ attr: parseInt(hex.slice(0, 8), 16), code: parseInt(hex.slice(8, 16), 16) }, printError)
    this.publish(false)
  }
  dropConnections(): void { this.mqtt.dropConnections() }
  /** Stops publishing (pushall ignored too); by default a new MQTT session clears it. */
  stall(untilReconnect = true): void { this.stalled = untilReconnect ? 'until-reconnect' : 'yes' }
  unstall(): void { this.stalled = 'no' }
  /**
   * A frozen printer stalls its broker: the connection stays up but nothing comes back (no PUBACK,
   * no PINGRESP, no answer, no report). With `deliver` (default) the firmware still acts on what
   * arrives — a print command may start a print nobody hears about. `dropAfterMs` then drops every
   * connection and the printer recovers (as after a Wi-Fi drop); otherwise it stays frozen until thaw().
   */
  freeze(options: { deliver?: boolean; dropAfterMs?: number } = {}): void {
    this.clearThawTimer()
    this.mqtt.setFrozen(true, options.deliver ?? true)
    if (options.dropAfterMs === undefined) return
    this.thawTimer = setTimeout(() => {
      this.thawTimer = null
      this.mqtt.dropConnections()
      this.mqtt.setFrozen(false, true)
    }, options.dropAfterMs)
  }
  thaw(): void {
    this.clearThawTimer()
    this.mqtt.setFrozen(false, true)
  }
  setDeveloperMode(enabled: boolean): void { this.developerMode = enabled; this.publish(false) }
  /** Loads trays (validated; throws TypeError on a bad shape) and reports them at once. */
  setAms(ams: SimAms): void { this.ams = toSimAms(ams); this.publish(false) }
  setRefuseConnections(refuse: boolean): void { this.mqtt.setRefuseConnections(refuse) }
  /** Presents a certificate for the right serial from an unknown CA (device swap / MITM). */
  async changeCertificate(): Promise<void> {
    this.useCertificate(await issuePrinterCert(await createTestCa('Unknown CA'), this.serial))
  }
  /**
   * Presents a certificate from the trusted CA whose CN is another serial. Its SAN names the right
   * serial, so only an explicit CN check (not Node's hostname check) catches it.
   */
  async useWrongCommonName(): Promise<void> {
    this.useCertificate(await issuePrinterCert(this.options.ca, `${this.serial.slice(0, -1)}X`, [this.serial]))
  }
  /**
   * Presents a full chain (leaf for the right serial, then its device CA) from a CA that only looks
   * like the farm's default one: same root and device-CA names, other keys. Names prove nothing.
   */
  async useImpostorChain(): Promise<void> {
    // createTestCa's default names are the farm's default names.
    this.useCertificate(await issueModelCert(await createTestCa(), this.serial, 'device-ca-sent'))
  }
  restoreCertificate(): void { this.useCertificate(this.cert) }
  /** Caps FTPS upload speed (bytes/s); null removes the cap. */
  setFtpsSpeed(bytesPerSecond: number | null): void { if (this.ftps) this.ftps.faults.bytesPerSecond = bytesPerSecond }
  /** Answers 426 instead of 226 after complete uploads. */
  setFtpsReply426(on: boolean): void { if (this.ftps) this.ftps.faults.reply426 = on }
  /** Delivers a raw payload to connected clients on any topic, bypassing subscriptions. */
  injectRaw(payload: string | Buffer, topic = `device/${this.serial}/report`): void {
    this.mqtt.injectRaw(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload))
  }

  /**
   * Announces a `declaredBytes` PUBLISH on the report topic and streams up to `sendBytes` of it,
   * as a hostile broker would; resolves when the client closed the connection or all was sent.
   */
  async sendOversizedPacket(declaredBytes: number, sendBytes = declaredBytes): Promise<OversizedPacketResult> {
    const [first] = await this.mqtt.sendOversizedPacket(declaredBytes, sendBytes)
    if (!first) throw new Error(`${this.serial}: no client connected`)
    return first
  }

  /**
   * Holds the reported nozzle temperature at `celsius` (null: the simulation's own again). With
   * `now`, a report carrying it goes out at once: the fleet soak times that report until the API
   * shows it (apps/worker/bench/fleet-soak.bench.ts).
   */
  pinNozzle(celsius: number | null, now = false): void {
    this.job.pinnedNozzle = celsius
    if (celsius !== null) this.job.nozzle.current = celsius
    if (now) this.publish(false)
  }

  async stop(): Promise<void> {
    this.clearThawTimer()
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.mqtt.close()
    await this.ftps?.close()
  }

  // ---- internals ------------------------------------------------------------------------------
  private clearThawTimer(): void {
    if (this.thawTimer) clearTimeout(this.thawTimer)
    this.thawTimer = null
  }

  private useCertificate(cert: KeyPairPem): void {
    this.mqtt.useCertificate(cert)
    this.ftps?.useCertificate(cert)
    this.mqtt.dropConnections()
  }

  private tick(): void {
    const now = Date.now()
    this.job.tick(now - this.lastTick)
    this.lastTick = now
    this.publish(false)
  }

  private publish(full: boolean): void {
    if (this.stalled !== 'no') return
    this.mqtt.publishReport(Buffer.from(JSON.stringify(this.composer.compose(full))))
  }

  private onClientConnected(): void {
    if (this.stalled === 'until-reconnect') this.stalled = 'no'
  }

  private onRequest(topic: string, payload: Buffer): void {
    let message: ReceivedRequest['message'] = null
    try {
      message = JSON.parse(payload.toString('utf8'))
    } catch {
      // Real firmware ignores garbage; so do we, but it stays visible in `requests`.
    }
    this.requests.push({ topic, at: Date.now(), message })
    if (this.requests.length > 1000) this.requests.shift()
    if (topic.startsWith('sim/')) return void applyControl(this, message).catch(() => {})
    void this.answer(message)
  }

  private async answer(message: unknown): Promise<void> {
    const ctx: PrinterContext = {
      serial: this.serial,
      traits: MODEL_TRAITS[this.model],
      job: this.job,
      lights: this.lights,
      developerMode: this.developerMode,
      firmware: '01.08.00.00',
      fileExists: async (name) => (await this.fileSize(name)) !== null,
    }
    const before = this.job.gcodeState
    for (const reply of await handleRequest(ctx, message)) {
      if (reply.kind === 'pushall') this.publish(true)
      else if (this.stalled === 'no') this.mqtt.publishReport(Buffer.from(JSON.stringify(reply.payload)))
    }
    // Real printers report a state change within about a second; do it at once to keep tests quick.
    if (this.job.gcodeState !== before || this.job.printError !== 0) this.publish(false)
  }
}
