// Correlates command acknowledgements by (class, command, sequence_id), never by arrival order:
// reports and acks share one topic, and the printer's own push_status ids increment independently.
import { formatPrintError } from './codes.js'
import { BambuCommandError } from './errors.js'
import { type JsonObject } from './merge.js'

/** err_code of "mqtt message verify failed" (0x05024007): the printer wants signed commands. */
export const VERIFY_FAILED_CODE = 84033543

interface Pending {
  key: string
  command: string
  resolve: (body: JsonObject) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

export type AckOutcome = 'none' | 'success' | 'failed' | 'verify_failed'

export class AckTracker {
  private readonly pending = new Map<string, Pending>()

  expect(cls: string, command: string, sequenceId: string, timeoutMs: number): Promise<JsonObject> {
    const key = `${cls}/${command}/${sequenceId}`
    return new Promise<JsonObject>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key)
        reject(new BambuCommandError('ACK_TIMEOUT', command, `no acknowledgement for ${command} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(key, { key, command, resolve, reject, timer })
    })
  }

  /** Settles the matching pending command, if any, and says how it ended. */
  settle(cls: string, body: JsonObject): AckOutcome {
    const key = `${cls}/${String(body.command)}/${String(body.sequence_id)}`
    const pending = this.pending.get(key)
    if (!pending) return 'none'
    this.pending.delete(key)
    clearTimeout(pending.timer)
    // `result` is case-insensitive; get_version replies may omit it.
    const result = typeof body.result === 'string' ? body.result.toLowerCase() : 'success'
    if (result !== 'failed') {
      pending.resolve(body)
      return 'success'
    }
    const reason = typeof body.reason === 'string' ? body.reason.slice(0, 200) : 'failed'
    const verify = body.err_code === VERIFY_FAILED_CODE || /verify failed/i.test(reason)
    pending.reject(
      new BambuCommandError(verify ? 'CONTROL_DISABLED' : 'REJECTED', pending.command, `${pending.command} refused by the printer: ${reason}`, formatPrintError(body.err_code)),
    )
    return verify ? 'verify_failed' : 'failed'
  }

  /** Rejects everything still waiting (session lost or closed). */
  failAll(make: (command: string) => Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(make(p.command))
    }
    this.pending.clear()
  }
}
