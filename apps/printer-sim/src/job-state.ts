// The virtual printer's job state machine: IDLE → PREPARE → RUNNING → FINISH, with PAUSE, stop
// (FAILED + 0300_400C) and injected failures. Pure state: no sockets, driven by tick().

export type GcodeState = 'IDLE' | 'PREPARE' | 'RUNNING' | 'PAUSE' | 'FINISH' | 'FAILED'

/** Error codes the simulator raises, as the printer's 32-bit integers. */
export const SIM_ERRORS = {
  cancelled: 0x0300400c, // "The task was canceled."
  busy: 0x05004004, // "Device is busy and cannot start new task"
  fileMissing: 0x05008013, // "The print file is not available"
} as const

export interface JobStart {
  subtaskName: string
  gcodeFile: string
  taskId: string
  subtaskId: string
  projectId: string
}

export interface JobTiming {
  /** Time multiplier: 1 = a 10 s PREPARE and a 120 s print; 10 = ten times faster. */
  speed: number
}

const PREPARE_MS = 10_000
const PRINT_MS = 120_000
const TOTAL_LAYERS = 50
const BUSY: readonly GcodeState[] = ['PREPARE', 'RUNNING', 'PAUSE']

export class JobState {
  gcodeState: GcodeState = 'IDLE'
  preparePercent = 0
  percent = 0
  remainingMinutes = 0
  layer = 0
  totalLayers = 0
  printError = 0
  hms: Array<{ attr: number; code: number }> = []
  job: JobStart | null = null
  nozzle = { current: 25, target: 0 }
  nozzle2 = { current: 25, target: 0 }
  bed = { current: 25, target: 0 }
  chamber = 25
  /** A nozzle temperature held against the simulated heating (benchmarks mark reports with it). */
  pinnedNozzle: number | null = null
  /** Simulated milliseconds spent in the current phase (frozen while paused). */
  private phaseMs = 0
  /** print_error codes that clear themselves, like the brief cancel code after a stop. */
  private clearErrorAfterTicks = 0

  constructor(private readonly timing: JobTiming) {}

  get busy(): boolean {
    return BUSY.includes(this.gcodeState)
  }

  start(job: JobStart): void {
    this.job = job
    this.gcodeState = 'PREPARE'
    this.phaseMs = 0
    this.preparePercent = 0
    this.percent = 0
    this.layer = 0
    this.totalLayers = TOTAL_LAYERS
    this.remainingMinutes = Math.ceil(PRINT_MS / this.timing.speed / 60_000)
    this.printError = 0
    this.hms = []
  }

  pause(): boolean {
    if (this.gcodeState !== 'RUNNING') return false
    this.gcodeState = 'PAUSE'
    return true
  }

  resume(): boolean {
    if (this.gcodeState !== 'PAUSE') return false
    this.gcodeState = 'RUNNING'
    return true
  }

  /** User stop: FAILED with the cancel code, which real firmware resets to 0 shortly after. */
  stop(): boolean {
    if (!this.busy) return false
    this.gcodeState = 'FAILED'
    this.printError = SIM_ERRORS.cancelled
    this.clearErrorAfterTicks = 3
    return true
  }

  /** Fails the job (or an idle printer) with an HMS code and optional print_error. */
  fail(hms: { attr: number; code: number }, printError = 0): void {
    this.gcodeState = 'FAILED'
    this.hms = [hms]
    this.printError = printError
  }

  /** Records a refused start without touching the running job. */
  raise(printError: number): void {
    this.printError = printError
    this.clearErrorAfterTicks = 5
  }

  tick(dtMs: number): void {
    const dt = dtMs * this.timing.speed
    if (this.clearErrorAfterTicks > 0 && --this.clearErrorAfterTicks === 0) this.printError = 0
    const heating = this.gcodeState === 'PREPARE' || this.gcodeState === 'RUNNING' || this.gcodeState === 'PAUSE'
    this.nozzle.target = heating ? 220 : 0
    this.bed.target = heating ? 60 : 0
    this.nozzle.current = this.pinnedNozzle ?? approach(this.nozzle.current, this.nozzle.target || 25, dt)
    this.bed.current = approach(this.bed.current, this.bed.target || 25, dt)
    if (this.gcodeState === 'PREPARE') {
      this.phaseMs += dt
      this.preparePercent = Math.min(100, Math.floor((this.phaseMs / PREPARE_MS) * 100))
      if (this.phaseMs >= PREPARE_MS) {
        this.gcodeState = 'RUNNING'
        this.phaseMs = 0
      }
    } else if (this.gcodeState === 'RUNNING') {
      this.phaseMs += dt
      const fraction = Math.min(1, this.phaseMs / PRINT_MS)
      this.percent = Math.floor(fraction * 100)
      this.layer = Math.max(1, Math.ceil(fraction * TOTAL_LAYERS))
      this.remainingMinutes = Math.ceil(((PRINT_MS - this.phaseMs) / this.timing.speed) / 60_000)
      if (fraction >= 1) {
        this.gcodeState = 'FINISH'
        this.remainingMinutes = 0
      }
    }
  }
}

/** Moves a temperature toward its target at 5 °C per simulated second, so reports change gradually. */
function approach(current: number, target: number, dtMs: number): number {
  const step = (5 * dtMs) / 1000
  if (Math.abs(target - current) <= step) return target
  return Math.round((current + Math.sign(target - current) * step) * 10) / 10
}
