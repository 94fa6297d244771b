// @printforge/bambu: a Bambu Lab LAN client (MQTT over verified TLS, implicit FTPS, typed status).
export { BambuPrinter, createPrinterSession, type StartedJob } from './printer.js'
export { BambuSession, type BambuSessionOptions, type ConnectionState, type SessionEvents, type SessionStats } from './session.js'
export {
  nextTaskId, projectFileUrl, normalizeRemotePath,
  type BambuModel, type ProjectFileOptions, type LedOptions, type LedNode, type LedMode, type CommandSpec,
} from './commands.js'
export { uploadFile, uploadDeadlineMs, type UploadOptions, type UploadResult } from './ftps.js'
export { BambuCommandError, BambuUploadError, type CommandErrorCode, type UploadErrorCode } from './errors.js'
export { IDLE_STATES } from './gcode-states.js'
export { BUSY_STATES, toStatus, unpackTemperature, signatureRequired, type PrinterStatus, type GcodeState, type Temperature } from './status.js'
export { amsTrays, type AmsTray } from './ams.js'
export { decodeHms, formatPrintError, errorText, ERROR_TEXTS, USER_ACTION_CODES, type HmsEntry, type HmsSeverity } from './codes.js'
export { printerTlsOptions, checkSerial, isTrustError, CN_MISMATCH } from './tls.js'
export { loadBambuCaBundle, loadBambuDeviceCas } from './ca-bundle.js'
export { MODEL_PROTOCOL, BAMBU_MODELS, type ModelProtocol } from './models.js'
export { VERIFY_FAILED_CODE } from './acks.js'
export { silentLogger, type BambuLogger } from './logger.js'
export { type IntakeStats } from './report-intake.js'
export { DEFAULT_STATE_LIMITS, type StateLimits } from './bounded-state.js'
export { PACKET_TOO_LARGE } from './packet-guard.js'
