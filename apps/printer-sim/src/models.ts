// Per-model behaviour the virtual printers reproduce (docs/bambu-protocol.md §1.3, §3.1, §3.4, §3.7).
import { randomInt } from 'node:crypto'

/** Printer models the simulator can play. `A1M` is the A1 mini. */
export type PrinterModel = 'X1C' | 'X1E' | 'P1P' | 'P1S' | 'A1' | 'A1M' | 'H2D'

export const PRINTER_MODELS: readonly PrinterModel[] = ['X1C', 'X1E', 'P1P', 'P1S', 'A1', 'A1M', 'H2D']

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
  /** P1/A1 brokers drop a client that subscribes to the request topic (bambuddy). */
  dropsRequestSubscribers: boolean
  lightNodes: readonly string[]
}

const BASE_LIGHTS = ['chamber_light', 'work_light'] as const

export const MODEL_TRAITS: Record<PrinterModel, ModelTraits> = {
  X1C: { productName: 'Bambu Lab X1 Carbon', serialPrefix: '00M09A', reports: 'full', sendsFun: true, packedTemperatures: false, dropsRequestSubscribers: false, lightNodes: BASE_LIGHTS },
  X1E: { productName: 'Bambu Lab X1E', serialPrefix: '03W09A', reports: 'full', sendsFun: true, packedTemperatures: false, dropsRequestSubscribers: false, lightNodes: BASE_LIGHTS },
  P1P: { productName: 'Bambu Lab P1P', serialPrefix: '01S00A', reports: 'delta', sendsFun: false, packedTemperatures: false, dropsRequestSubscribers: true, lightNodes: BASE_LIGHTS },
  P1S: { productName: 'Bambu Lab P1S', serialPrefix: '01P00A', reports: 'delta', sendsFun: false, packedTemperatures: false, dropsRequestSubscribers: true, lightNodes: BASE_LIGHTS },
  A1: { productName: 'Bambu Lab A1', serialPrefix: '03919A', reports: 'delta', sendsFun: false, packedTemperatures: false, dropsRequestSubscribers: true, lightNodes: BASE_LIGHTS },
  A1M: { productName: 'Bambu Lab A1 mini', serialPrefix: '03000A', reports: 'delta', sendsFun: false, packedTemperatures: false, dropsRequestSubscribers: true, lightNodes: BASE_LIGHTS },
  H2D: { productName: 'Bambu Lab H2D', serialPrefix: '09400A', reports: 'full', sendsFun: true, packedTemperatures: true, dropsRequestSubscribers: false, lightNodes: [...BASE_LIGHTS, 'chamber_light2', 'heatbed_light'] },
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
