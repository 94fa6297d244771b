// Verifies the audit hash chain in batches (docs/product.md §5.3). One statement over the whole log cannot
// finish under the pools' statement timeouts once the log is large, so each batch is its own short
// transaction running audit_verify_range(), and the hash is carried from one batch to the next.
import type { Db } from './client.js'
import { withTx, type DbContext } from './context.js'

export interface AuditVerification {
  ok: boolean
  checked: number
  /** The first row whose hash, link or position is wrong; null when the chain holds. */
  firstBrokenId: string | null
}

/** Where a verification stands: the last row found intact and its hash. */
export interface AuditChainPosition {
  throughId: string
  hash: string
  /** Rows verified so far by the run this position belongs to. */
  checked: number
}

/** A finished walk: the verdict and where it ended (the head, or the row before the break). */
export interface AuditWalk extends AuditVerification {
  through: AuditChainPosition
}

export interface VerifyChainOptions {
  /** Rows per batch, each its own statement and transaction (default 5,000). */
  batchRows?: number
  /** Go on from where an interrupted run stopped instead of starting at the anchor. */
  resumeFrom?: AuditChainPosition | null
  /** After every batch that did not end the walk: where to resume from (checkpointing). */
  onProgress?: (position: AuditChainPosition) => Promise<void>
  /** Date.now() after which the walk stops between batches with AuditVerifyIncomplete. */
  deadline?: number
  /** Aborted: stop between batches and throw its reason. */
  signal?: AbortSignal
}

/** The walk ran out of time before the end of the log; `position` is where it stopped. */
export class AuditVerifyIncomplete extends Error {
  constructor(readonly position: AuditChainPosition) {
    super(`audit verification stopped by its time budget after row ${position.throughId} (${position.checked} rows checked)`)
    this.name = 'AuditVerifyIncomplete'
  }
}

export const DEFAULT_VERIFY_BATCH_ROWS = 5_000

interface RangeRow {
  ok: boolean
  checked: bigint
  first_broken_id: bigint | null
  last_id: bigint
  last_hash: string
  done: boolean
}

/**
 * Walks the chain from the anchor (or `resumeFrom`) to the head. Needs a context that sees every
 * row (admin or system); the database refuses any other.
 */
export async function walkAuditChain(db: Db, context: DbContext, options: VerifyChainOptions = {}): Promise<AuditWalk> {
  const batchRows = options.batchRows ?? DEFAULT_VERIFY_BATCH_ROWS
  let position: AuditChainPosition | null = options.resumeFrom ?? null
  let checked = position?.checked ?? 0
  for (;;) {
    const after = position ? BigInt(position.throughId) : null
    const [row] = await withTx(
      db,
      context,
      (tx) => tx.$queryRaw<RangeRow[]>`SELECT * FROM audit_verify_range(${after}::bigint, ${position?.hash ?? null}::text, ${batchRows}::int)`,
      { timeoutMs: 60_000 },
    )
    if (!row) throw new Error('audit_verify_range() returned no row')
    checked += Number(row.checked)
    position = { throughId: row.last_id.toString(), hash: row.last_hash, checked }
    if (row.done) return { ok: row.ok, checked, firstBrokenId: row.first_broken_id?.toString() ?? null, through: position }
    await options.onProgress?.(position)
    if (options.signal?.aborted) throw options.signal.reason
    if (options.deadline !== undefined && Date.now() > options.deadline) throw new AuditVerifyIncomplete(position)
  }
}

/** Recomputes the whole chain, batch by batch. Needs a context that sees every row (admin/system). */
export async function verifyAuditChain(db: Db, context: DbContext, options: VerifyChainOptions = {}): Promise<AuditVerification> {
  const { ok, checked, firstBrokenId } = await walkAuditChain(db, context, options)
  return { ok, checked, firstBrokenId }
}
