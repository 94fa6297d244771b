// The typed command surface on top of a session: what the worker calls to drive one printer.
import * as cmd from './commands.js'
import { BambuCommandError } from './errors.js'
import { BambuSession, type BambuSessionOptions } from './session.js'
import { type PrinterStatus } from './status.js'

export interface StartedJob {
  taskId: number
  /** The URL sent to the printer (form depends on the model). */
  url: string
}

export class BambuPrinter extends BambuSession {
  /** Requests a full report (also sent automatically on connect and by the watchdog). */
  async pushall(): Promise<void> {
    await this.send(cmd.pushall())
  }

  /**
   * Starts a sliced 3MF already uploaded (and verified) on the printer's storage. Resolves on the
   * printer's ack; a successful ack does not prove the job started, so confirm with
   * `waitForStatus(s => s.gcodeState !== 'IDLE' ...)`. Refused locally while a job runs.
   */
  async startProjectFile(options: cmd.ProjectFileOptions): Promise<StartedJob> {
    this.assertReadyForJob('project_file')
    const taskId = options.taskId ?? cmd.nextTaskId()
    const spec = cmd.projectFile(this.model, { ...options, taskId })
    await this.send(spec)
    return { taskId, url: String(spec.fields.url) }
  }

  async pause(): Promise<void> {
    await this.send(cmd.pause())
  }

  async resume(): Promise<void> {
    await this.send(cmd.resume())
  }

  async stop(): Promise<void> {
    await this.send(cmd.stop())
  }

  async setLight(options: cmd.LedOptions): Promise<void> {
    await this.send(cmd.ledctrl(options))
  }

  /**
   * Resolves with the first status (current one included) that satisfies `predicate`; rejects after
   * `timeoutMs`. Used to confirm that a job really started, paused or stopped.
   */
  waitForStatus(predicate: (s: PrinterStatus) => boolean, timeoutMs: number): Promise<PrinterStatus> {
    const now = this.status
    if (predicate(now)) return Promise.resolve(now)
    return new Promise((resolve, reject) => {
      const onStatus = (s: PrinterStatus) => {
        if (!predicate(s)) return
        clearTimeout(timer)
        this.off('status', onStatus)
        resolve(s)
      }
      const timer = setTimeout(() => {
        this.off('status', onStatus)
        reject(new BambuCommandError('ACK_TIMEOUT', 'status', `expected status not reached within ${timeoutMs} ms`))
      }, timeoutMs)
      this.on('status', onStatus)
    })
  }

  private get model(): cmd.BambuModel {
    return this.options.model
  }
}

/** Creates a printer session; call `start()` to connect and `close()` to end it. */
export function createPrinterSession(options: BambuSessionOptions): BambuPrinter {
  return new BambuPrinter(options)
}
