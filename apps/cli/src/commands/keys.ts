import { withTx, writeAudit } from '@printforge/db'
import { decryptAccessCode, encryptAccessCode, needsRotation, parsePrinterKeys } from '@printforge/printer-keys'
import { UsageError, type Command } from '../command.js'
import { withAppDatabase } from '../database.js'
import { opsActor, opsContext } from '../ops-context.js'

/**
 * `keys rotate`: re-encrypts every printer access code under the first key of PRINTER_KEYS, in
 * one transaction (all or nothing). Put the new key first, keep the old ones listed until this
 * has run, then remove them.
 */
export const keysCommand: Command = async (args, config, print) => {
  if (args[0] !== 'rotate' || args.length !== 1) throw new UsageError('keys: expected rotate')
  if (!config.PRINTER_KEYS) throw new Error('PRINTER_KEYS is required: list the new key first, then the old ones')
  const keyring = parsePrinterKeys(config.PRINTER_KEYS)
  return withAppDatabase(config, (db) =>
    withTx(db, opsContext(), async (tx) => {
      const printers = await tx.printer.findMany({
        select: { id: true, serial: true, accessCodeCiphertext: true, accessCodeNonce: true, accessCodeKeyId: true },
      })
      const stale = printers.filter((p) => needsRotation(keyring, { keyId: p.accessCodeKeyId }))
      for (const p of stale) {
        const code = decryptAccessCode(keyring, { ciphertext: Buffer.from(p.accessCodeCiphertext), nonce: Buffer.from(p.accessCodeNonce), keyId: p.accessCodeKeyId }, p.serial)
        const sealed = encryptAccessCode(keyring, code, p.serial)
        await tx.printer.update({
          where: { id: p.id },
          data: { accessCodeCiphertext: new Uint8Array(sealed.ciphertext), accessCodeNonce: new Uint8Array(sealed.nonce), accessCodeKeyId: sealed.keyId },
        })
      }
      await writeAudit(tx, {
        actorType: 'system', actorId: opsActor(), action: 'keys.rotated', targetType: 'printer_keys',
        details: { toKeyId: keyring.currentKeyId, reencrypted: stale.length, total: printers.length },
      })
      print(`Re-encrypted ${stale.length} of ${printers.length} access code(s) under key ${keyring.currentKeyId}.`)
      return 0
    }, { timeoutMs: 120_000 }),
  )
}
