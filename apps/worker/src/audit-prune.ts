// Audit-row retention (docs/product.md §5.3): export the rows older than AUDIT_RETENTION_DAYS to object
// storage, then let audit_prune() (SECURITY DEFINER; migration *_audit_retention) remove exactly
// that prefix and re-anchor the chain. Export first: a crash after it only leaves a copy behind.
import { Readable } from 'node:stream'
import { SYSTEM_CONTEXT, sqlState, withTx, type Db } from '@printforge/db'
import type { Logger } from '@printforge/logger'
import type { ObjectStore } from '@printforge/storage'

const DAY_MS = 86_400_000
const PAGE = 2_000

export interface AuditPruneResult {
  pruned: number
  exportKey: string | null
}

export async function pruneAudit(deps: { db: Db; store: ObjectStore; log: Logger }, retentionDays: number): Promise<AuditPruneResult> {
  const cutoff = new Date(Date.now() - retentionDays * DAY_MS)
  // The prefix that is entirely older than the cutoff (ids follow chain order, `at` nearly so).
  const [range] = await withTx(deps.db, SYSTEM_CONTEXT, (tx) =>
    tx.$queryRaw<{ first: bigint | null; through: bigint | null }[]>`
      SELECT (SELECT min(id) FROM audit_log) AS first,
             COALESCE((SELECT min(id) - 1 FROM audit_log WHERE at >= ${cutoff}), (SELECT max(id) FROM audit_log)) AS through`,
  )
  if (!range?.first || !range.through || range.through < range.first) return { pruned: 0, exportKey: null }
  const { first, through } = range
  const exportKey = `audit-exports/${first}-${through}.jsonl`
  await deps.store.putStream(exportKey, Readable.from(exportRows(deps.db, first, through)), 'application/x-ndjson')
  try {
    const [result] = await withTx(deps.db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw<{ removed: bigint }[]>`SELECT audit_prune(${through}::bigint) AS removed`, { timeoutMs: 300_000 })
    const pruned = Number(result?.removed ?? 0)
    deps.log.info({ first: String(first), through: String(through), pruned, exportKey }, 'audit rows exported and pruned')
    return { pruned, exportKey }
  } catch (err) {
    if (sqlState(err) === '42883') {
      deps.log.warn('audit_prune() is missing (migrations not applied?); audit rows kept')
      return { pruned: 0, exportKey }
    }
    throw err
  }
}

/** JSON lines, one audit row each, every column (hashes included, so the export verifies alone). */
async function* exportRows(db: Db, first: bigint, through: bigint): AsyncGenerator<Buffer> {
  for (let from = first; from <= through; from += BigInt(PAGE)) {
    const to = from + BigInt(PAGE) - 1n < through ? from + BigInt(PAGE) - 1n : through
    const rows = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { id: { gte: from, lte: to } }, orderBy: { id: 'asc' } }))
    yield Buffer.from(rows.map((r) => JSON.stringify({ ...r, id: String(r.id), at: r.at.toISOString() }) + '\n').join(''))
  }
}
