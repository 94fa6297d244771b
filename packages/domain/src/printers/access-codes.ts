// The only module that reads or writes a printer's sealed access code. The code is sealed with
// the newest PRINTER_KEYS key and bound to the serial (AES-GCM with the serial as associated data,
// packages/printer-keys); it is decrypted only here, for the worker's MQTT and FTPS sessions.
import type { Prisma, Tx } from '@printforge/db'
import { decryptAccessCode, encryptAccessCode, needsRotation, type EncryptedAccessCode, type PrinterKeyring } from '@printforge/printer-keys'

const SEALED_SELECT = { accessCodeCiphertext: true, accessCodeNonce: true, accessCodeKeyId: true } satisfies Prisma.PrinterSelect
type SealedRow = Prisma.PrinterGetPayload<{ select: typeof SEALED_SELECT }>

/** The columns for a newly sealed code (Prisma's Bytes columns take a Uint8Array over a plain ArrayBuffer). */
export function sealAccessCode(keyring: PrinterKeyring, accessCode: string, serial: string) {
  const sealed = encryptAccessCode(keyring, accessCode, serial)
  return {
    accessCodeCiphertext: new Uint8Array(sealed.ciphertext),
    accessCodeNonce: new Uint8Array(sealed.nonce),
    accessCodeKeyId: sealed.keyId,
  }
}

const sealedOf = (row: SealedRow): EncryptedAccessCode => ({
  ciphertext: Buffer.from(row.accessCodeCiphertext),
  nonce: Buffer.from(row.accessCodeNonce),
  keyId: row.accessCodeKeyId,
})

export type PrinterSecret =
  | { id: string; serial: string; updatedAt: Date; accessCode: string }
  | { id: string; serial: string; updatedAt: Date; error: string }

/**
 * The worker alone: the decrypted access codes of these printers. A code that cannot be
 * decrypted (its key was removed from PRINTER_KEYS, or the row was tampered with) is reported
 * per printer rather than failing the others.
 */
export async function printersWithSecret(tx: Tx, keyring: PrinterKeyring, ids: string[]): Promise<PrinterSecret[]> {
  const rows = await tx.printer.findMany({ where: { id: { in: ids } }, select: { id: true, serial: true, updatedAt: true, ...SEALED_SELECT } })
  return rows.map((row) => {
    const base = { id: row.id, serial: row.serial, updatedAt: row.updatedAt }
    try {
      return { ...base, accessCode: decryptAccessCode(keyring, sealedOf(row), row.serial) }
    } catch (err) {
      return { ...base, error: (err as Error).message }
    }
  })
}

/** The worker alone: one printer's decrypted access code (for an FTPS upload). Throws when it cannot be read. */
export async function printerWithSecret(tx: Tx, keyring: PrinterKeyring, id: string): Promise<{ serial: string; accessCode: string }> {
  const row = await tx.printer.findUniqueOrThrow({ where: { id }, select: { serial: true, ...SEALED_SELECT } })
  return { serial: row.serial, accessCode: decryptAccessCode(keyring, sealedOf(row), row.serial) }
}

/** Re-seals every code not under the keyring's newest key. Returns how many of how many. */
export async function resealAccessCodes(tx: Tx, keyring: PrinterKeyring): Promise<{ resealed: number; total: number }> {
  const printers = await tx.printer.findMany({ select: { id: true, serial: true, ...SEALED_SELECT } })
  const stale = printers.filter((p) => needsRotation(keyring, { keyId: p.accessCodeKeyId }))
  for (const p of stale) {
    const code = decryptAccessCode(keyring, sealedOf(p), p.serial)
    await tx.printer.update({ where: { id: p.id }, data: sealAccessCode(keyring, code, p.serial), select: { id: true } })
  }
  return { resealed: stale.length, total: printers.length }
}
