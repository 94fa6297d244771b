import { SYSTEM_CONTEXT, verifyAuditChain, withTx } from '@printforge/db'
import { UsageError, type Command } from '../command.js'
import { withAppDatabase } from '../database.js'

export const auditCommand: Command = async (args, config, print) => {
  if (args[0] !== 'verify' || args.length !== 1) throw new UsageError('audit: expected verify')
  const result = await withAppDatabase(config, (db) =>
    // Verification reads every row in one snapshot; give large logs time.
    withTx(db, SYSTEM_CONTEXT, verifyAuditChain, { timeoutMs: 10 * 60_000 }),
  )
  if (result.ok) {
    print(`Audit chain verified: ${result.checked} row(s), no break.`)
    return 0
  }
  print(`Audit chain BROKEN at row id ${result.firstBrokenId} (checked ${result.checked} row(s)).`)
  return 1
}
