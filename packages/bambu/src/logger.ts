/**
 * The logging surface the client needs: pino-compatible (`logger.info(obj, msg)`), so the worker can
 * pass its pino child logger. The client never logs access codes or payload bodies.
 */
export interface BambuLogger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** A logger that drops everything, for callers that do not want logs. */
export const silentLogger: BambuLogger = { debug() {}, info() {}, warn() {}, error() {} }
