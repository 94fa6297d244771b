// The typed printer status derived from the merged `print` report (docs/bambu-protocol.md §3).
import { amsTrays, type AmsTray } from './ams.js'
import { decodeHms, errorText, formatPrintError, type HmsEntry } from './codes.js'
import { isObject, type JsonObject } from './merge.js'
export { BUSY_STATES } from './gcode-states.js'

/** gcode_state values (§3.2). Unknown strings from newer firmware pass through as `string`. */
export type GcodeState = 'IDLE' | 'PREPARE' | 'SLICING' | 'RUNNING' | 'PAUSE' | 'FINISH' | 'FAILED' | 'INIT' | (string & {})

/** A temperature pair in °C; `target` is 0 when the heater is off. */
export interface Temperature {
  current: number
  target: number
}

export interface PrinterStatus {
  /** Job state; null until the first report that carries it. */
  gcodeState: GcodeState | null
  /** 0–100 (`mc_percent`). */
  progressPercent: number | null
  /** Minutes left (`mc_remaining_time`). */
  remainingMinutes: number | null
  layer: number | null
  totalLayers: number | null
  subtaskName: string | null
  taskId: string | null
  /** Nozzles by extruder id (0 = right on dual-nozzle H2D; the only one elsewhere). */
  nozzles: Array<Temperature & { id: number }>
  bed: Temperature | null
  chamber: number | null
  /** `print_error` as `XXXX_XXXX`, null when 0. */
  printError: string | null
  printErrorText: string | null
  hms: HmsEntry[]
  /**
   * False when the printer refuses unsigned control commands (Developer Mode off): learned from the
   * `fun` bit 0x20000000 or from an "mqtt message verify failed" refusal.
   */
  controlEnabled: boolean
  /** From `lights_report`: node → mode. */
  lights: Record<string, string>
  /** AMS trays and the external spool (§3.6). */
  ams: AmsTray[]
}

const num = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
  return typeof n === 'number' && Number.isFinite(n) ? n : null
}
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null)

/** Packed temperature (H2D and newer): low 16 bits current, high 16 bits target (§3.4). */
export function unpackTemperature(packed: unknown): Temperature | null {
  const n = num(packed)
  if (n === null || !Number.isInteger(n) || n < 0) return null
  return { current: n & 0xffff, target: (n >>> 16) & 0xffff }
}

/** `fun` bit 0x20000000 set ⇒ signatures required; null when `fun` is absent or unreadable. */
export function signatureRequired(fun: unknown): boolean | null {
  if (typeof fun !== 'string' || !/^[0-9a-fA-F]{1,16}$/.test(fun)) return null
  return (BigInt(`0x${fun}`) & 0x20000000n) !== 0n
}

function temperatures(p: JsonObject): Pick<PrinterStatus, 'nozzles' | 'bed' | 'chamber'> {
  const device = isObject(p.device) ? p.device : null
  const extruder = device && isObject(device.extruder) ? device.extruder : null
  const packedNozzles = Array.isArray(extruder?.info) ? extruder.info : []
  const nozzles = packedNozzles.flatMap((e) => {
    const t = isObject(e) ? unpackTemperature(e.temp) : null
    const id = isObject(e) ? num(e.id) : null
    return t && id !== null ? [{ id, ...t }] : []
  })
  if (nozzles.length === 0 && num(p.nozzle_temper) !== null) {
    nozzles.push({ id: 0, current: num(p.nozzle_temper) ?? 0, target: num(p.nozzle_target_temper) ?? 0 })
  }
  const packedBed = device && isObject(device.bed) && isObject(device.bed.info) ? unpackTemperature(device.bed.info.temp) : null
  const flatBed = num(p.bed_temper) !== null ? { current: num(p.bed_temper) ?? 0, target: num(p.bed_target_temper) ?? 0 } : null
  const packedChamber = device && isObject(device.ctc) && isObject(device.ctc.info) ? unpackTemperature(device.ctc.info.temp) : null
  return { nozzles, bed: packedBed ?? flatBed, chamber: packedChamber?.current ?? num(p.chamber_temper) }
}

/** Derives the status from the merged `print` object; `controlEnabled` is decided by the session. */
export function toStatus(p: JsonObject, controlEnabled: boolean): PrinterStatus {
  const printError = formatPrintError(p.print_error)
  const lights: Record<string, string> = {}
  if (Array.isArray(p.lights_report)) {
    for (const l of p.lights_report) if (isObject(l) && typeof l.node === 'string' && typeof l.mode === 'string') lights[l.node] = l.mode
  }
  return {
    gcodeState: str(p.gcode_state),
    progressPercent: num(p.mc_percent),
    remainingMinutes: num(p.mc_remaining_time),
    layer: num(p.layer_num),
    totalLayers: num(p.total_layer_num),
    subtaskName: str(p.subtask_name),
    taskId: str(p.task_id),
    ...temperatures(p),
    printError,
    printErrorText: printError ? errorText(printError) : null,
    hms: Array.isArray(p.hms) ? p.hms.flatMap((h) => decodeHms(h) ?? []) : [],
    controlEnabled,
    lights,
    ams: amsTrays(p),
  }
}

/** Firmware version and product name from a get_version answer; `known` where it says nothing. */
export function versionInfo(body: JsonObject, known: { firmware: string | null; productName: string | null }): { firmware: string | null; productName: string | null } {
  let { firmware, productName } = known
  for (const m of Array.isArray(body.module) ? body.module : []) {
    if (!isObject(m) || m.name !== 'ota') continue
    if (typeof m.sw_ver === 'string') firmware = m.sw_ver.slice(0, 40)
    if (typeof m.product_name === 'string') productName = m.product_name.slice(0, 80)
  }
  return { firmware, productName }
}
