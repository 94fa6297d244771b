import { pino, type Logger, type LoggerOptions } from 'pino'

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a log object (docs/product.md §8):
 * tokens, access codes, passwords and cookies never reach a log line, even when a caller logs
 * a whole request, config object or error by mistake.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.password',
  '*.accessCode',
  '*.access_code',
  '*.token',
  '*.secret',
  '*.jwtSecret',
  'accessCode',
  'password',
  'token',
  'secret',
  'config.JWT_SECRET',
  'config.S3_SECRET_ACCESS_KEY',
  'config.PRINTER_KEYS',
  'config.DATABASE_URL',
  'config.DATABASE_ADMIN_URL',
  'config.REDIS_URL',
]

export interface LoggerSettings {
  /** Service name, written on every line so mixed logs stay attributable. */
  name: string
  level?: string
}

export function loggerOptions({ name, level = 'info' }: LoggerSettings): LoggerOptions {
  return {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Operators grep for ISO times; epoch millis are hard to read in an incident.
    timestamp: pino.stdTimeFunctions.isoTime,
  }
}

export function createLogger(settings: LoggerSettings): Logger {
  return pino(loggerOptions(settings))
}

export type { Logger }
