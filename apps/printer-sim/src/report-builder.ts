// Builds `device/<serial>/report` payloads the way each model sends them: X1/H2 push the full
// object every time (msg 0); P1/A1 push only changed fields (msg 1) and the full object after a
// pushall (docs/bambu-protocol.md §3.1). Field names follow §3.2–§3.7.
import { amsReportFields, type SimAms } from './ams.js'
import { type JobState } from './job-state.js'
import { type ModelTraits } from './models.js'

/** `fun` with and without bit 0x20000000 ("MQTT signature required", i.e. Developer Mode off). */
const FUN_DEV_MODE_ON = '3EC18FFF9CFF'
const FUN_DEV_MODE_OFF = '3EC1AFFF9CFF'

export interface ReportContext {
  traits: ModelTraits
  job: JobState
  lights: Map<string, string>
  developerMode: boolean
  /** Adds `sim_sent_ms` (not a Bambu field) so benchmarks can measure status lag. */
  timestamp: boolean
  /** Loaded trays (§3.6); absent: the printer reports no AMS. */
  ams?: SimAms
}

const packTemp = (t: { current: number; target: number }): number =>
  ((Math.round(t.target) & 0xffff) << 16) | (Math.round(t.current) & 0xffff)

function temperatures(ctx: ReportContext): Record<string, unknown> {
  const { job } = ctx
  if (!ctx.traits.packedTemperatures) {
    return {
      nozzle_temper: job.nozzle.current,
      nozzle_target_temper: job.nozzle.target,
      bed_temper: job.bed.current,
      bed_target_temper: job.bed.target,
      chamber_temper: job.chamber,
    }
  }
  return {
    device: {
      bed: { info: { temp: packTemp(job.bed) } },
      ctc: { info: { temp: packTemp({ current: job.chamber, target: 0 }) } },
      extruder: {
        // low 4 bits: extruder count; next 4 bits: active extruder (0 = right).
        state: ctx.traits.extruders,
        info: [
          { id: 0, temp: packTemp(job.nozzle) },
          ...(ctx.traits.extruders === 2 ? [{ id: 1, temp: packTemp(job.nozzle2) }] : []),
        ],
      },
    },
  }
}

/** The complete `print` object of a push_status report, without the envelope fields. */
export function fullPrintObject(ctx: ReportContext): Record<string, unknown> {
  const { job } = ctx
  const out: Record<string, unknown> = {
    gcode_state: job.gcodeState,
    gcode_file_prepare_percent: String(job.preparePercent),
    mc_percent: job.percent,
    mc_remaining_time: job.remainingMinutes,
    layer_num: job.layer,
    total_layer_num: job.totalLayers,
    subtask_name: job.job?.subtaskName ?? '',
    gcode_file: job.job?.gcodeFile ?? '',
    task_id: job.job?.taskId ?? '0',
    subtask_id: job.job?.subtaskId ?? '0',
    project_id: job.job?.projectId ?? '0',
    print_type: job.job ? 'local' : 'idle',
    print_error: job.printError,
    hms: job.hms.map((h) => ({ ...h })),
    mc_print_stage: job.gcodeState === 'RUNNING' ? '2' : '1',
    stg_cur: job.gcodeState === 'RUNNING' ? 0 : ctx.traits.reports === 'full' ? -1 : 255,
    spd_lvl: 2,
    spd_mag: 100,
    wifi_signal: '-44dBm',
    sdcard: true,
    lights_report: [...ctx.lights].map(([node, mode]) => ({ node, mode })),
    ...temperatures(ctx),
    ...(ctx.ams ? amsReportFields(ctx.ams) : {}),
  }
  if (ctx.traits.sendsFun) out.fun = ctx.developerMode ? FUN_DEV_MODE_ON : FUN_DEV_MODE_OFF
  return out
}

/**
 * Remembers what a delta printer last sent so the next report carries only changes. A full
 * report (pushall, or every report of an X1-style model) resets the baseline; with no baseline yet,
 * the report is a full one (a "delta" of everything would claim changes that are not).
 */
export class ReportComposer {
  private last = new Map<string, string>()
  private sequence = 1000

  constructor(private readonly ctx: ReportContext) {}

  compose(forceFull: boolean): Record<string, unknown> {
    const current = fullPrintObject(this.ctx)
    const full = forceFull || this.ctx.traits.reports === 'full' || this.last.size === 0
    const body: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(current)) {
      const encoded = JSON.stringify(value)
      if (full || this.last.get(key) !== encoded) body[key] = value
      this.last.set(key, encoded)
    }
    const print: Record<string, unknown> = {
      ...body,
      command: 'push_status',
      msg: full ? 0 : 1,
      sequence_id: String(this.sequence++),
    }
    if (this.ctx.timestamp) print.sim_sent_ms = Date.now()
    return { print }
  }
}
