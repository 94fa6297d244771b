// Registering, changing and removing printers: one flow for the API (admins) and the CLI (ops),
// each change with its audit row in the caller's transaction. Access codes only ever pass through
// sealAccessCode; audit rows name the fields that changed, never the code.
import { writeAudit, type BambuModel, type Tx } from '@printforge/db'
import { BUSY_STATES } from '@printforge/bambu/gcode-states'
import { AppError } from '@printforge/errors'
import { isPrivatePrinterHost, type PrinterKeyring } from '@printforge/printer-keys'
import type { Actor, RequestMeta } from '../actor.js'
import { printerHasActiveJob } from '../manufacturing/claim.js'
import { sealAccessCode } from './access-codes.js'

export const DEFAULT_MQTT_PORT = 8883
export const DEFAULT_FTPS_PORT = 990

export interface PrinterRegistration {
  name: string
  model: BambuModel
  serial: string
  host: string
  accessCode: string
  mqttPort?: number
  ftpsPort?: number
}

export type PrinterChanges = Partial<Pick<PrinterRegistration, 'name' | 'host' | 'accessCode' | 'mqttPort' | 'ftpsPort'>>

/** Printers live on the farm's LAN: a public address would send the access code across the internet. */
export function assertPrivateHost(host: string): void {
  if (!isPrivatePrinterHost(host)) {
    throw new AppError('VALIDATION_FAILED', 'host must be a private or loopback IP address (the printer on your LAN).')
  }
}

/** A new printer (a taken serial is a unique violation: 409). Returns its id. */
export async function registerPrinter(tx: Tx, keyring: PrinterKeyring, p: PrinterRegistration, by: Actor, meta: RequestMeta, via?: 'cli'): Promise<string> {
  assertPrivateHost(p.host)
  const printer = await tx.printer.create({
    data: {
      name: p.name, model: p.model, serial: p.serial, host: p.host,
      mqttPort: p.mqttPort ?? DEFAULT_MQTT_PORT, ftpsPort: p.ftpsPort ?? DEFAULT_FTPS_PORT,
      ...sealAccessCode(keyring, p.accessCode, p.serial),
      status: { create: {} },
    },
    select: { id: true },
  })
  await writeAudit(tx, {
    ...by, ...meta, action: 'printer.registered', targetType: 'printer', targetId: printer.id,
    details: { name: p.name, model: p.model, serial: p.serial, host: p.host, ...(via ? { via } : {}) },
  })
  return printer.id
}

/** Changes a printer; a new access code is sealed under the newest key, bound to the serial. */
export async function updatePrinter(tx: Tx, keyring: PrinterKeyring, id: string, changes: PrinterChanges, by: Actor, meta: RequestMeta, via?: 'cli'): Promise<void> {
  if (changes.host !== undefined) assertPrivateHost(changes.host)
  const current = await tx.printer.findUnique({ where: { id }, select: { serial: true } })
  if (!current) throw new AppError('NOT_FOUND', 'Printer not found.')
  const { accessCode, ...plain } = changes
  await tx.printer.update({
    where: { id },
    data: {
      ...Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined)),
      ...(accessCode ? sealAccessCode(keyring, accessCode, current.serial) : {}),
    },
    select: { id: true },
  })
  // Field names only: the new access code is never written anywhere but its ciphertext.
  const fields = Object.keys(changes).filter((k) => changes[k as keyof PrinterChanges] !== undefined).sort()
  await writeAudit(tx, { ...by, ...meta, action: 'printer.updated', targetType: 'printer', targetId: id, details: { fields, ...(via ? { via } : {}) } })
}

/** Registers the printer, or updates the one with its serial (re-running `printers add` is safe). */
export async function upsertPrinter(tx: Tx, keyring: PrinterKeyring, p: PrinterRegistration, by: Actor, meta: RequestMeta, via?: 'cli') {
  const existing = await tx.printer.findUnique({ where: { serial: p.serial }, select: { id: true } })
  if (!existing) return { id: await registerPrinter(tx, keyring, p, by, meta, via), created: true }
  const { name, host, accessCode, mqttPort, ftpsPort } = p
  await updatePrinter(tx, keyring, existing.id, { name, host, accessCode, mqttPort: mqttPort ?? DEFAULT_MQTT_PORT, ftpsPort: ftpsPort ?? DEFAULT_FTPS_PORT }, by, meta, via)
  return { id: existing.id, created: false }
}

/** Removes an idle printer. 409 while a job holds it or it reports a print under way. */
export async function removePrinter(tx: Tx, id: string, by: Actor, meta: RequestMeta): Promise<void> {
  // Lock the printer row: a dispatcher claiming it concurrently waits, then sees it gone.
  const [printer] = await tx.$queryRaw<{ name: string; serial: string; gcode_state: string | null }[]>`
    SELECT p.name, p.serial, s.gcode_state FROM printers p LEFT JOIN printer_status s ON s.printer_id = p.id
     WHERE p.id = ${id}::uuid FOR UPDATE OF p`
  if (!printer) throw new AppError('NOT_FOUND', 'Printer not found.')
  if ((await printerHasActiveJob(tx, id)) || BUSY_STATES.has(printer.gcode_state ?? '')) {
    throw new AppError('CONFLICT', 'The printer is printing; stop the print first.')
  }
  await tx.printer.delete({ where: { id } })
  await writeAudit(tx, { ...by, ...meta, action: 'printer.deleted', targetType: 'printer', targetId: id, details: { name: printer.name, serial: printer.serial } })
}
