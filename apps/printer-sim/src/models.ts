// Per-model behaviour the virtual printers reproduce (docs/bambu-protocol.md §1.2, §1.3, §3.1, §3.4,
// §3.6, §3.7, §4.3). Where no source documents a trait of the newest models (H2S, H2C, P2S, X2D,
// A2L), the value is a plausible choice and its comment says so.
import { randomInt } from 'node:crypto'

/** Printer models the simulator can play. `A1M` is the A1 mini. */
export type PrinterModel = 'X1C' | 'X1E' | 'P1P' | 'P1S' | 'A1' | 'A1M' | 'H2D' | 'H2S' | 'H2C' | 'P2S' | 'X2D' | 'A2L'

export const PRINTER_MODELS: readonly PrinterModel[] = ['X1C', 'X1E', 'P1P', 'P1S', 'A1', 'A1M', 'H2D', 'H2S', 'H2C', 'P2S', 'X2D', 'A2L']

export interface ModelTraits {
  productName: string
  /** Prefix of generated serials (shape only; real serials encode more). */
  serialPrefix: string
  /** X1/H2 push the whole object every time; P1/A1 push changed fields only (`msg: 1`). */
  reports: 'full' | 'delta'
  /** X1/H2 report the `fun` bitfield; P1/A1 do not (the client then has to learn from a refusal). */
  sendsFun: boolean
  /** H2D packs temperatures into `device.*.info.temp` (low 16 bits current, high 16 target). */
  packedTemperatures: boolean
  /** Nozzles reported in `device.extruder.info` when temperatures are packed (2 on dual-nozzle models). */
  extruders: 1 | 2
  /** P1/A1 brokers drop a client that subscribes to the request topic (bambuddy). */
  dropsRequestSubscribers: boolean
  lightNodes: readonly string[]
  /**
   * Who signs the printer's certificate (§1.2): `root` = the farm's CA directly (the shape the older
   * models are simulated with); `device-ca-sent` = a device CA (Bambu's per-model intermediates) that
   * the printer sends in the handshake; `device-ca-omitted` = a device CA it does not send, so the
   * client must already hold it.
   */
  chain: 'root' | 'device-ca-sent' | 'device-ca-omitted'
  /** FTPS refuses a ClientHello that offers TLS 1.3 (P2S/X2D/H2C break under 1.3, §4.3). */
  ftpsRefusesTls13: boolean
  /** Wire id of the first AMS unit: 0, except the AMS Lite on an A2L, which reports 16 (§3.6). */
  firstAmsId: number
}

const BASE_LIGHTS = ['chamber_light', 'work_light'] as const

const OLD = { chain: 'root', ftpsRefusesTls13: false, firstAmsId: 0, extruders: 1 } as const
const H2_LIGHTS = [...BASE_LIGHTS, 'chamber_light2', 'heatbed_light'] as const

export const MODEL_TRAITS: Record<PrinterModel, ModelTraits> = {
  X1C: { ...OLD, productName: 'Bambu Lab X1 Carbon', serialPrefix: '00M09A', reports: 'full', sendsFun: true, packedTemperatures: false, dropsRequestSubscribers: false, lightNodes: BASE_LIGHTS },
  X1E: { ...OLD, productName: 'Bambu Lab X1E', serialPrefix: '03W09A', reports: 'full', sendsFun: true, packedTemperatures: false, dropsRequestSubscribers: false, lightNodes: BASE_LIGHTS },
  P1P: { ...OLD, productName: 'Bambu Lab P1P', serialPrefix: '01S00A', reports: 'delta', sendsFun: false, packedTemperatures: false, dropsRequestSubscribers: true, lightNodes: BASE_LIGHTS },
  P1S: { ...OLD, productName: 'Bambu Lab P1S', serialPrefix: '01P00A', reports: 'delta', sendsFun: false, packedTemperatures: false, dropsRequestSubscribers: true, lightNodes: BASE_LIGHTS },
  A1: { ...OLD, productName: 'Bambu Lab A1', serialPrefix: '03919A', reports: 'delta', sendsFun: false, packedTemperatures: false, dropsRequestSubscribers: true, lightNodes: BASE_LIGHTS },
  A1M: { ...OLD, productName: 'Bambu Lab A1 mini', serialPrefix: '03000A', reports: 'delta', sendsFun: false, packedTemperatures: false, dropsRequestSubscribers: true, lightNodes: BASE_LIGHTS },
  H2D: { ...OLD, productName: 'Bambu Lab H2D', serialPrefix: '09400A', reports: 'full', sendsFun: true, packedTemperatures: true, extruders: 2, dropsRequestSubscribers: false, lightNodes: H2_LIGHTS },
  // The newest models. Product names follow Bambu's "Bambu Lab <model>" pattern; serial prefixes are
  // plausible shapes, not sourced, except X2D's (an X2D leaf CN 20P6BJ642300886, bambuddy#1638).
  // Full reports, `fun` and packed temperatures for the H2 family and X2D follow H2D (§3.4 "newer
  // firmware"); P2S and A2L are simulated like their P1/A1 predecessors (deltas), which no source
  // confirms. Which device-CA printer omits its intermediate is a simulation choice: P2S omits,
  // H2C and X2D send it, so both paths are covered (real printers "do not always send" it, §1.2).
  H2S: { ...OLD, productName: 'Bambu Lab H2S', serialPrefix: '09300A', reports: 'full', sendsFun: true, packedTemperatures: true, dropsRequestSubscribers: false, lightNodes: H2_LIGHTS },
  H2C: { ...OLD, productName: 'Bambu Lab H2C', serialPrefix: '09500A', reports: 'full', sendsFun: true, packedTemperatures: true, extruders: 2, dropsRequestSubscribers: false, lightNodes: H2_LIGHTS, chain: 'device-ca-sent', ftpsRefusesTls13: true },
  P2S: { ...OLD, productName: 'Bambu Lab P2S', serialPrefix: '22E00A', reports: 'delta', sendsFun: true, packedTemperatures: false, dropsRequestSubscribers: true, lightNodes: BASE_LIGHTS, chain: 'device-ca-omitted', ftpsRefusesTls13: true },
  X2D: { ...OLD, productName: 'Bambu Lab X2D', serialPrefix: '20P6BJ', reports: 'full', sendsFun: true, packedTemperatures: true, extruders: 2, dropsRequestSubscribers: false, lightNodes: H2_LIGHTS, chain: 'device-ca-sent', ftpsRefusesTls13: true },
  // A2L: its AMS Lite reports unit id 16 (bambuddy normalises it to 6, global trays 24-27, §3.6).
  A2L: { ...OLD, productName: 'Bambu Lab A2L', serialPrefix: '03A00A', reports: 'delta', sendsFun: false, packedTemperatures: false, dropsRequestSubscribers: true, lightNodes: BASE_LIGHTS, firstAmsId: 16 },
}

/**
 * MQTT clients a printer accepts at once, for every model. P1/A1 brokers handle a single client
 * correctly and drop or refuse further ones (docs/bambu-protocol.md §1.4; reports of "a few" at most
 * vary by firmware); the sources say nothing different for X1/H2, so they get 1 too. PrintForge
 * holds exactly one session per printer, so a second one is always a bug worth failing a test on.
 */
export const DEFAULT_MAX_CLIENTS = 1

/** A 15-character upper-case serial with the model's prefix. */
export function generateSerial(model: PrinterModel): string {
  let digits = ''
  while (digits.length < 9) digits += String(randomInt(0, 10))
  return `${MODEL_TRAITS[model].serialPrefix}${digits}`
}

/** An 8-digit LAN access code, like the one shown on the printer's screen. */
export function generateAccessCode(): string {
  return String(randomInt(0, 100_000_000)).padStart(8, '0')
}
