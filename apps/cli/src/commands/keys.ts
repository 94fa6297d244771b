import { withTx, writeAudit } from '@printforge/db'
import { resealAccessCodes } from '@printforge/domain'
import { parsePrinterKeys } from '@printforge/printer-keys'
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
      const { resealed, total } = await resealAccessCodes(tx, keyring)
      await writeAudit(tx, {
        actorType: 'system', actorId: opsActor(), action: 'keys.rotated', targetType: 'printer_keys',
        details: { toKeyId: keyring.currentKeyId, reencrypted: resealed, total },
      })
      print(`Re-encrypted ${resealed} of ${total} access code(s) under key ${keyring.currentKeyId}.`)
      return 0
    }, { timeoutMs: 120_000 }),
  )
}
