// What a virtual printer does with a JSON request on `device/<serial>/request`, reduced to the
// commands PrintForge uses (docs/bambu-protocol.md §2). Replies are report payloads to publish.
import { SIM_ERRORS, type JobState } from './job-state.js'
import { type ModelTraits } from './models.js'

/** err_code of "mqtt message verify failed" (0x05024007): the command needs a signature. */
export const VERIFY_FAILED = 84033543

export interface PrinterContext {
  serial: string
  traits: ModelTraits
  job: JobState
  lights: Map<string, string>
  developerMode: boolean
  firmware: string
  /** True when `name` (a path relative to the storage root) exists on FTPS storage. */
  fileExists: (name: string) => Promise<boolean>
}

export type Reply = { kind: 'ack'; payload: Record<string, unknown> } | { kind: 'pushall' }

type Fields = Record<string, unknown>

const LED_MODES = new Set(['on', 'off', 'flashing'])
const LED_TIMING = ['led_on_time', 'led_off_time', 'loop_times', 'interval_time'] as const
const CONTROL_COMMANDS = new Set(['project_file', 'pause', 'resume', 'stop', 'gcode_line', 'gcode_file'])

const ack = (cls: string, req: Fields, result: 'success' | 'failed', extra: Fields = {}): Reply => ({
  kind: 'ack',
  payload: { [cls]: { command: req.command, sequence_id: req.sequence_id, result, ...extra } },
})

/**
 * Maps the URL forms seen in working clients (§2.4) to a path on storage:
 * `file:///sdcard/<p>`, `ftp:///<p>`, `ftp://<name>`.
 */
export function storagePathFromUrl(url: string): string | null {
  const match = /^(?:file:\/\/\/sdcard\/|ftp:\/\/\/|ftp:\/\/)(.+)$/.exec(url)
  const rest = match?.[1]
  if (!rest || rest.split('/').includes('..')) return null
  return rest
}

export async function handleRequest(ctx: PrinterContext, message: unknown): Promise<Reply[]> {
  if (typeof message !== 'object' || message === null) return []
  const [cls, body] = Object.entries(message)[0] ?? []
  if (!cls || typeof body !== 'object' || body === null) return []
  const req = body as Fields
  if (cls === 'pushing' && (req.command === 'pushall' || req.command === 'start')) return [{ kind: 'pushall' }]
  if (cls === 'info' && req.command === 'get_version') return [versionReply(ctx, req)]
  if (cls === 'system' && req.command === 'ledctrl') return [ledctrl(ctx, req)]
  if (cls !== 'print' || typeof req.command !== 'string') return []
  // Authorization firmware outside Developer Mode refuses unsigned control commands.
  if (!ctx.developerMode && CONTROL_COMMANDS.has(req.command)) {
    return [ack('print', req, 'failed', { err_code: VERIFY_FAILED, reason: 'mqtt message verify failed' })]
  }
  switch (req.command) {
    case 'project_file':
      return [await projectFile(ctx, req)]
    case 'pause':
      return [ack('print', req, ctx.job.pause() ? 'success' : 'failed')]
    case 'resume':
      return [ack('print', req, ctx.job.resume() ? 'success' : 'failed')]
    case 'stop':
      return [ack('print', req, ctx.job.stop() ? 'success' : 'failed')]
    case 'gcode_line':
      // Accepted and acknowledged; the simulator moves nothing (PrintForge only sends the M400 probe).
      return [ack('print', req, typeof req.param === 'string' ? 'success' : 'failed')]
    default:
      return [ack('print', req, 'failed', { reason: 'unsupported command' })]
  }
}

function versionReply(ctx: PrinterContext, req: Fields): Reply {
  const module = [
    { name: 'ota', sw_ver: ctx.firmware, hw_ver: '', sn: ctx.serial, product_name: ctx.traits.productName },
    { name: 'mc', sw_ver: ctx.firmware, hw_ver: 'MC07', sn: ctx.serial },
  ]
  return { kind: 'ack', payload: { info: { command: 'get_version', sequence_id: req.sequence_id, module, result: 'success' } } }
}

function ledctrl(ctx: PrinterContext, req: Fields): Reply {
  // Firmware wants the timing fields present even when not flashing (§2.9).
  const valid =
    typeof req.led_node === 'string' && ctx.traits.lightNodes.includes(req.led_node) &&
    typeof req.led_mode === 'string' && LED_MODES.has(req.led_mode) &&
    LED_TIMING.every((k) => typeof req[k] === 'number')
  if (!valid) return ack('system', req, 'failed', { reason: 'invalid param' })
  ctx.lights.set(req.led_node as string, req.led_mode as string)
  return ack('system', req, 'success', { led_node: req.led_node, led_mode: req.led_mode })
}

async function projectFile(ctx: PrinterContext, req: Fields): Promise<Reply> {
  if (ctx.job.busy) {
    // A second job while busy is refused with 0500_4004; the running job carries on.
    ctx.job.raise(SIM_ERRORS.busy)
    return ack('print', req, 'failed', { err_code: SIM_ERRORS.busy, reason: 'device busy' })
  }
  const file = typeof req.url === 'string' ? storagePathFromUrl(req.url) : null
  const plate = typeof req.param === 'string' && /^Metadata\/plate_\d+\.gcode$/.test(req.param)
  const taskId = Number(req.task_id)
  // P1S firmware clamps ids to int32; an id out of range never leaves IDLE (bambuddy), so refuse it loudly here.
  if (!file || !plate || !Number.isInteger(taskId) || taskId < 1 || taskId > 0x7fffffff) {
    return ack('print', req, 'failed', { reason: 'invalid param' })
  }
  // The printer acknowledges, then fails the job when the file is not on its storage.
  if (!(await ctx.fileExists(file))) {
    ctx.job.fail({ attr: 0x05000100, code: 0x00030001 }, SIM_ERRORS.fileMissing)
    return ack('print', req, 'success')
  }
  ctx.job.start({
    subtaskName: typeof req.subtask_name === 'string' ? req.subtask_name : file,
    gcodeFile: file,
    taskId: String(req.task_id),
    subtaskId: String(req.subtask_id ?? '0'),
    projectId: String(req.project_id ?? '0'),
  })
  return ack('print', req, 'success', { param: req.param, url: req.url })
}
