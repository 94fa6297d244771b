/** Why a command did not complete. Stable strings: the worker maps them to job outcomes. */
export type CommandErrorCode =
  | 'NOT_CONNECTED' // no online session; nothing was sent
  | 'CONNECTION_LOST' // may have left: the connection failed before its PUBACK or answer; confirm by state, never resend blindly
  | 'ACK_TIMEOUT' // may have left: no PUBACK or no answer within the one deadline (ackTimeoutMs) from send()
  | 'REJECTED' // the printer answered result "failed"
  | 'CONTROL_DISABLED' // "mqtt message verify failed": Developer Mode is off
  | 'PRINTER_BUSY' // refused locally: a job is running, a second project_file would be rejected (or cancel it on an A1 mini)
  | 'STATE_UNKNOWN' // refused locally: no report yet, so we cannot tell whether the printer is busy
  | 'CLOSED' // the session was closed (by us) while the command was in flight

export class BambuCommandError extends Error {
  override readonly name = 'BambuCommandError'
  constructor(
    readonly code: CommandErrorCode,
    readonly command: string,
    message: string,
    /** The printer's `err_code` rendered `XXXX_XXXX`, when it sent one. */
    readonly printerError: string | null = null,
  ) {
    super(message)
  }
}

export type UploadErrorCode = 'UNTRUSTED' | 'AUTH_FAILED' | 'TIMEOUT' | 'SIZE_MISMATCH' | 'FTP_ERROR'

export class BambuUploadError extends Error {
  override readonly name = 'BambuUploadError'
  constructor(
    readonly code: UploadErrorCode,
    message: string,
    /** FTP reply code when the server sent one. */
    readonly ftpCode: number | null = null,
  ) {
    super(message)
  }
}
