// startPrinterFarm: N virtual printers on 127.0.0.1 sharing one test CA — the entry point for
// tests, benchmarks, `npm run sim` and `npm run dev`.
import { randomInt } from 'node:crypto'
import { createTestCa, trustPem, type TestCa } from './certs.js'
import { DEFAULT_MAX_CLIENTS, generateAccessCode, generateSerial, type PrinterModel } from './models.js'
import { VirtualPrinter } from './printer.js'
import { type SimAms } from './ams.js'

export interface FarmPrinterSpec {
  model: PrinterModel
  /** Defaults to a generated serial with the model's prefix. */
  serial?: string
  /** Defaults to a random 8-digit code. */
  accessCode?: string
  /** Concurrent MQTT clients this printer accepts; default the farm's `maxClients`. */
  maxClients?: number
  /** Loaded trays; default: one AMS with four PLA colours (DEFAULT_AMS). */
  ams?: SimAms
}

export interface PrinterFarmOptions {
  printers: FarmPrinterSpec[]
  /** CA that signs the printers' certificates; default: a fresh one (see loadOrCreateTestCa for reuse). */
  ca?: TestCa
  /** Job time multiplier (1 = 10 s PREPARE + 120 s print). Default 1. */
  speed?: number
  /** Report period per printer. Default 1000 ms, like real printers while active. */
  reportIntervalMs?: number
  /**
   * Concurrent MQTT clients each printer accepts (default DEFAULT_MAX_CLIENTS = 1, like real
   * printers); a further client is refused and counted in `printer.clientStats.extraClients`.
   */
  maxClients?: number
  /** Start FTPS endpoints. Default true; benchmarks that only need MQTT turn it off. */
  ftps?: boolean
  /** Add `sim_sent_ms` to reports (benchmarks). Default false. */
  timestampReports?: boolean
  /**
   * Serve on a network instead of 127.0.0.1 (the `printers` compose profile): printer i listens on
   * `host` at MQTT `basePort + i`, FTPS `basePort + 100 + i`, passive ports from `basePort + 200`,
   * and announces `advertise`.
   */
  network?: { host: string; advertise: string; basePort: number }
}

export interface PrinterFarm {
  printers: VirtualPrinter[]
  /** PEMs the client must trust (PRINTER_EXTRA_CA in development): the root, then the device CA. */
  caPem: string
  /** Looks a printer up by serial; throws on an unknown one so test typos fail loudly. */
  get: (serial: string) => VirtualPrinter
  stop: () => Promise<void>
}

const PASV_PORTS_PER_PRINTER = 8

export async function startPrinterFarm(options: PrinterFarmOptions): Promise<PrinterFarm> {
  const ca = options.ca ?? (await createTestCa())
  // Each printer gets its own passive-port block; a random base keeps parallel test processes apart.
  const span = options.printers.length * PASV_PORTS_PER_PRINTER
  const pasvBase = options.network ? options.network.basePort + 200 : randomInt(20_000, Math.max(20_001, 32_000 - span))
  const printers: VirtualPrinter[] = []
  const serials = new Set<string>()
  try {
    for (const [i, spec] of options.printers.entries()) {
      let serial = spec.serial ?? generateSerial(spec.model)
      while (!spec.serial && serials.has(serial)) serial = generateSerial(spec.model)
      if (serials.has(serial)) throw new Error(`duplicate serial ${serial}`)
      serials.add(serial)
      const min = pasvBase + i * PASV_PORTS_PER_PRINTER
      printers.push(
        await VirtualPrinter.start({
          model: spec.model,
          serial,
          accessCode: spec.accessCode ?? generateAccessCode(),
          maxClients: spec.maxClients ?? options.maxClients ?? DEFAULT_MAX_CLIENTS,
          ca,
          speed: options.speed ?? 1,
          reportIntervalMs: options.reportIntervalMs ?? 1000,
          timestampReports: options.timestampReports ?? false,
          ...(spec.ams ? { ams: spec.ams } : {}),
          pasvRange: options.ftps === false ? null : { min, max: min + PASV_PORTS_PER_PRINTER - 1 },
          ...(options.network
            ? { network: { host: options.network.host, advertise: options.network.advertise, mqttPort: options.network.basePort + i, ftpsPort: options.network.basePort + 100 + i } }
            : {}),
        }),
      )
    }
  } catch (err) {
    await Promise.allSettled(printers.map((p) => p.stop()))
    throw err
  }
  return {
    printers,
    caPem: trustPem(ca),
    get(serial) {
      const printer = printers.find((p) => p.serial === serial)
      if (!printer) throw new Error(`no virtual printer ${serial}`)
      return printer
    },
    async stop() {
      await Promise.allSettled(printers.map((p) => p.stop()))
    },
  }
}
