// Rendering and meaning of print_error and HMS codes (docs/bambu-protocol.md §3.5). The table holds the
// codes that change what a dispatcher does; texts are from pybambu's hms_en table.

export type HmsSeverity = 'fatal' | 'serious' | 'common' | 'info' | 'unknown'

/** One active HMS entry, decoded. */
export interface HmsEntry {
  /** `AAAA_AAAA_CCCC_CCCC`: attr hi/lo 16-bit halves, then code hi/lo. */
  code: string
  severity: HmsSeverity
  /** Module byte of `attr` (0x03 motion controller, 0x05 mainboard, 0x07 AMS, 0x08 toolhead, 0x0C xcam). */
  module: number
  /** Human text when the code is in ERROR_TEXTS, else null. */
  text: string | null
}

const hex4 = (n: number) => (n & 0xffff).toString(16).toUpperCase().padStart(4, '0')

/** 117473286 → `0700_8006`; 0 (no error) → null. */
export function formatPrintError(value: unknown): string | null {
  const n = typeof value === 'string' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > 0xffffffff) return null
  return `${hex4(n >>> 16)}_${hex4(n)}`
}

const SEVERITIES: Record<number, HmsSeverity> = { 1: 'fatal', 2: 'serious', 3: 'common', 4: 'info' }

/**
 * Texts for the codes dispatch cares about. Keys are print_error (`XXXX_XXXX`) or full HMS codes;
 * an HMS code is also looked up by its last two halves, which is how the print_error table names it.
 */
export const ERROR_TEXTS: Readonly<Record<string, string>> = {
  '0300_400C': 'The task was canceled.',
  '0500_400E': 'Printing was cancelled.',
  '0500_4004': 'Device is busy and cannot start new task.',
  '0500_4002': 'Unsupported print file path or name. Please resend the print job.',
  '0500_4003': 'Printing stopped because the printer was unable to parse the file.',
  '0500_4006': 'Not enough free storage space for the print job.',
  '0500_4015': 'Not enough free storage space for the print job.',
  '0500_4016': 'The MicroSD card is write-protected.',
  '0500_C010': 'MicroSD card read/write exception.',
  '0300_800E': 'The print file is not available.',
  '0500_8013': 'The print file is not available.',
  '0500_4037': 'The sliced file is not for this printer model.',
  '0500_4038': 'The nozzle diameter of the sliced file does not match the printer.',
  '0700_8012': 'Failed to get AMS mapping table.',
  '07FF_8012': 'Failed to get AMS mapping table.',
  '0300_8003': 'AI monitoring detected spaghetti.',
  '0300_800A': 'AI monitoring detected a filament pile-up.',
  '0500_0500_0001_0007': 'MQTT command verification failed (Developer Mode is off).',
  '0300_0100_0001_0007': 'The heatbed temperature is abnormal; the sensor may have an open circuit.',
}

/** Codes that are the user's own action (stop/cancel), not faults (bambuddy filters these too). */
export const USER_ACTION_CODES: ReadonlySet<string> = new Set(['0300_400C', '0500_400E'])

export function errorText(code: string): string | null {
  return ERROR_TEXTS[code] ?? ERROR_TEXTS[code.slice(-9)] ?? null
}

/** Decodes one `{attr, code}` pair; returns null when either part is not a 32-bit integer. */
export function decodeHms(entry: unknown): HmsEntry | null {
  if (typeof entry !== 'object' || entry === null) return null
  const { attr, code } = entry as { attr?: unknown; code?: unknown }
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff
  if (!ok(attr) || !ok(code)) return null
  const rendered = `${hex4(attr >>> 16)}_${hex4(attr)}_${hex4(code >>> 16)}_${hex4(code)}`
  return {
    code: rendered,
    severity: SEVERITIES[code >>> 16] ?? 'unknown',
    module: (attr >>> 24) & 0xff,
    text: errorText(rendered),
  }
}
