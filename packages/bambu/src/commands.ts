// Typed request payloads for `device/<serial>/request` (docs/bambu-protocol.md §2). Builders are pure;
// the session adds `sequence_id` and publishes at QoS 1.

import { MODEL_PROTOCOL, type BambuModel } from './models.js'

export type { BambuModel } from './models.js'

type RequestClass = 'print' | 'pushing' | 'info' | 'system'

/** A request without its sequence_id: `{ [cls]: { command, ...fields } }`. */
export interface CommandSpec {
  cls: RequestClass
  command: string
  fields: Record<string, unknown>
  /** Whether the printer answers with an ack carrying our sequence_id. pushall is answered by a full report. */
  acked: boolean
}

/** The project_file URL for a file at `remotePath` (relative to the FTPS root) on `model` (§2.4). */
export function projectFileUrl(model: BambuModel, remotePath: string): string {
  const path = normalizeRemotePath(remotePath)
  return MODEL_PROTOCOL[model].printUrl === 'sdcard' ? `file:///sdcard/${path}` : `ftp:///${path}`
}

/**
 * Validates a storage path: relative, `/`-separated, no `..`, no control characters. The path ends up
 * in an FTP command line and a printer URL, so anything odd is refused rather than escaped.
 */
export function normalizeRemotePath(remotePath: string): string {
  const path = remotePath.replace(/^\/+/, '')
  if (path.length === 0 || path.length > 200 || !/^[A-Za-z0-9._\-/ ]+$/.test(path) || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new TypeError(`invalid printer storage path ${JSON.stringify(remotePath)}`)
  }
  return path
}

export const pushall = (): CommandSpec => ({ cls: 'pushing', command: 'pushall', fields: { version: 1, push_target: 1 }, acked: false })
export const getVersion = (): CommandSpec => ({ cls: 'info', command: 'get_version', fields: {}, acked: true })
// `param` is "always empty" for these three (§2.6).
export const pause = (): CommandSpec => ({ cls: 'print', command: 'pause', fields: { param: '' }, acked: true })
export const resume = (): CommandSpec => ({ cls: 'print', command: 'resume', fields: { param: '' }, acked: true })
export const stop = (): CommandSpec => ({ cls: 'print', command: 'stop', fields: { param: '' }, acked: true })

/**
 * The Developer Mode probe (docs/bambu-protocol.md §7): `M400` ("finish queued moves") is a no-op on an
 * idle printer, and authorization firmware outside Developer Mode refuses any unsigned `gcode_line`
 * with "mqtt message verify failed". Deliberately the only G-code this client can send.
 */
export const controlProbe = (): CommandSpec => ({ cls: 'print', command: 'gcode_line', fields: { param: 'M400\n' }, acked: true })

export type LedNode = 'chamber_light' | 'work_light' | 'chamber_light2' | 'heatbed_light'
export type LedMode = 'on' | 'off' | 'flashing'

export interface LedOptions {
  node: LedNode
  mode: LedMode
  /** Flashing timings (ms); firmware wants them present even for on/off (§2.9). */
  onTimeMs?: number
  offTimeMs?: number
  loopTimes?: number
  intervalMs?: number
}

export const ledctrl = (o: LedOptions): CommandSpec => ({
  cls: 'system',
  command: 'ledctrl',
  fields: {
    led_node: o.node,
    led_mode: o.mode,
    led_on_time: o.onTimeMs ?? 500,
    led_off_time: o.offTimeMs ?? 500,
    loop_times: o.loopTimes ?? 1,
    interval_time: o.intervalMs ?? 1000,
  },
  acked: true,
})

export interface ProjectFileOptions {
  /** Where the 3MF was uploaded, relative to the FTPS root (e.g. `printforge/job-42.gcode.3mf`). */
  remotePath: string
  /** 1-based plate index; the printer runs `Metadata/plate_<plate>.gcode` from the 3MF. Default 1. */
  plate?: number
  /** Job name shown on the printer and echoed as `subtask_name`. */
  subtaskName: string
  /** MD5 of the plate G-code (`Metadata/plate_N.gcode.md5`); '' skips the check. */
  md5?: string
  /** Unique id in 1..2^31-1; default: allocated by `nextTaskId()`. Used for task and subtask ids. */
  taskId?: number
  timelapse?: boolean
  bedLeveling?: boolean
  flowCali?: boolean
  vibrationCali?: boolean
  layerInspect?: boolean
  /** Default 'auto' for local prints. */
  bedType?: string
  useAms?: boolean
  /** Indexed by the project's filament index; value = global tray id or -1 (§2.4). */
  amsMapping?: number[]
  /** Studio's richer form; external spool = `{ amsId: 255, slotId: 0 }`. */
  amsMapping2?: Array<{ amsId: number; slotId: number }>
}

const MAX_TASK_ID = 0x7fffffff
const TASK_EPOCH_MS = Date.UTC(2025, 0, 1)
let lastTaskId = 0

/**
 * A task id below 2^31 (P1S firmware clamps ids to int32 and treats an overflowed id as the last,
 * failed job; 0 is rejected). Seconds since 2025 keep ids rising across restarts; the counter keeps
 * them unique within a process when several jobs start in the same second.
 */
export function nextTaskId(nowMs = Date.now()): number {
  const bySeconds = Math.floor((nowMs - TASK_EPOCH_MS) / 1000) % MAX_TASK_ID
  lastTaskId = Math.max(lastTaskId + 1, bySeconds, 1)
  if (lastTaskId > MAX_TASK_ID) lastTaskId = 1
  return lastTaskId
}

export function projectFile(model: BambuModel, o: ProjectFileOptions): CommandSpec {
  const plate = o.plate ?? 1
  if (!Number.isInteger(plate) || plate < 1 || plate > 999) throw new TypeError(`invalid plate ${plate}`)
  const taskId = o.taskId ?? nextTaskId()
  if (!Number.isInteger(taskId) || taskId < 1 || taskId > MAX_TASK_ID) throw new TypeError(`task id ${taskId} is outside 1..2^31-1`)
  const path = normalizeRemotePath(o.remotePath)
  const id = String(taskId)
  const fields: Record<string, unknown> = {
    param: `Metadata/plate_${plate}.gcode`,
    url: projectFileUrl(model, path),
    file: path.split('/').pop(),
    subtask_name: o.subtaskName,
    md5: o.md5 ?? '',
    project_id: '0',
    profile_id: '0',
    task_id: id,
    subtask_id: id,
    // JSON booleans for every flag: integer encodings were misread by some models (§2.4).
    timelapse: o.timelapse ?? false,
    bed_leveling: o.bedLeveling ?? true,
    flow_cali: o.flowCali ?? false,
    vibration_cali: o.vibrationCali ?? false,
    layer_inspect: o.layerInspect ?? false,
    bed_type: o.bedType ?? 'auto',
    use_ams: o.useAms ?? false,
    ams_mapping: o.amsMapping ?? [],
  }
  if (o.amsMapping2) fields.ams_mapping2 = o.amsMapping2.map((m) => ({ ams_id: m.amsId, slot_id: m.slotId }))
  return { cls: 'print', command: 'project_file', fields, acked: true }
}
