import { verifyAndRecordAuditChain } from '@printforge/db'
import { UsageError, type Command } from '../command.js'
import { withAppDatabase } from '../database.js'
import { opsContext } from '../ops-context.js'

export const auditCommand: Command = async (args, config, print) => {
  if (args[0] !== 'verify' || args.length !== 1) throw new UsageError('audit: expected verify')
  const result = await withAppDatabase(config, (db) =>
    // Batch by batch (each its own short transaction), however large the log; recorded as a run.
    verifyAndRecordAuditChain(db, opsContext(), 'cli'),
  )
  if (result.ok) {
    print(`Audit chain verified: ${result.checked} row(s), no break.`)
    return 0
  }
  print(`Audit chain BROKEN at row id ${result.firstBrokenId} (checked ${result.checked} row(s)).`)
  return 1
}
