// @printforge/worker as a library: run the worker in-process (tests, benchmarks, `npm run dev`).
export { startWorker, type RunningWorker, type WorkerOptions } from './worker.js'
export type { Timing } from './handlers/index.js'
export { DEFAULT_SCHEDULES, type ScheduleSettings } from './schedules.js'
export { AUDIT_ALERT, AUDIT_VERIFY_INCOMPLETE_ALERT } from './handlers/maintenance-audit-verify.js'
