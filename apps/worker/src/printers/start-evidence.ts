// Did THIS job start? After a print command whose outcome is unknown (the link died or the broker
// stalled before its PUBACK or answer), only the printer's own report can tell, and only a report
// from after the command: a cached state from before the drop proves nothing.
import path from 'node:path'
import { isReady, type ManagedPrinter, type PrinterManager } from './manager.js'
import { remotePathFor } from './upload-model.js'

/**
 * The printer reports job `jobId` as its job: our task id (or subtask id, both minted per job and
 * committed before sending), or the file it prints — P1/A1 report `gcode_file` as the uploaded
 * name, which carries the job id (docs/bambu-protocol.md §3.3). `subtask_name` is the client's
 * file name, not unique, so it never counts on its own.
 */
export function reportsJob(p: ManagedPrinter, taskId: number, jobId: string): boolean {
  if (!isReady(p)) return false
  if (p.session.status.taskId === String(taskId)) return true
  const raw = p.session.rawPrint
  if (raw.subtask_id === String(taskId)) return true
  return typeof raw.gcode_file === 'string' && raw.gcode_file.endsWith(path.posix.basename(remotePathFor(jobId)))
}

/**
 * Watches one printer for a report over a live connection that started after now: `fresh()`
 * is true once the printer has spoken since (re)connecting, so its state is news, not cache.
 */
export function watchFreshReports(manager: PrinterManager, printerId: string): { fresh: () => boolean; stop: () => void } {
  const mark = () => {
    const session = manager.get(printerId)?.session ?? null
    return { session, reports: session?.stats.reports ?? 0 }
  }
  let baseline = mark()
  const onConnection = (id: string) => {
    // A new connection, or a replaced session: only what arrives after it counts.
    if (id === printerId) baseline = mark()
  }
  manager.on('connection', onConnection)
  manager.on('changed', onConnection)
  return {
    fresh() {
      const p = manager.get(printerId)
      if (!p || !isReady(p) || p.session !== baseline.session) return false
      return p.session.stats.reports > baseline.reports
    },
    stop() {
      manager.off('connection', onConnection)
      manager.off('changed', onConnection)
    },
  }
}
