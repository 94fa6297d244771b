// What verifications of the audit chain found, and where the nightly one stands while it runs.
// audit_verifications: one row per finished run ("last verified at / result"), appended by
// admin and system contexts in their own name. audit_verify_checkpoint: the nightly run's
// position (system only), so a run cut short by a restart or its budget resumes, not restarts.
import type { Db } from './client.js'
import { SYSTEM_CONTEXT, withTx, type DbContext } from './context.js'
import { walkAuditChain, type AuditChainPosition, type AuditVerification, type AuditWalk, type VerifyChainOptions } from './audit-verify.js'

export type AuditVerificationSource = 'nightly' | 'api' | 'cli'

/** A checkpoint older than this belongs to a run long abandoned: verify from the anchor again. */
const CHECKPOINT_MAX_AGE_MS = 24 * 3_600_000

export interface VerifyCheckpoint {
  startedAt: Date
  position: AuditChainPosition
}

/** The nightly run's checkpoint, or null when there is none or it is stale. */
export async function loadVerifyCheckpoint(db: Db, now = new Date()): Promise<VerifyCheckpoint | null> {
  const [row] = await withTx(db, SYSTEM_CONTEXT, (tx) =>
    tx.$queryRaw<{ started_at: Date; through_id: bigint; through_hash: string; checked: bigint }[]>`
      SELECT started_at, through_id, through_hash, checked FROM audit_verify_checkpoint WHERE id = 1`,
  )
  if (!row || now.getTime() - row.started_at.getTime() > CHECKPOINT_MAX_AGE_MS) return null
  return { startedAt: row.started_at, position: { throughId: row.through_id.toString(), hash: row.through_hash, checked: Number(row.checked) } }
}

export async function saveVerifyCheckpoint(db: Db, checkpoint: VerifyCheckpoint): Promise<void> {
  const { startedAt, position: p } = checkpoint
  await withTx(db, SYSTEM_CONTEXT, (tx) =>
    tx.$executeRaw`
      INSERT INTO audit_verify_checkpoint (id, started_at, through_id, through_hash, checked, updated_at)
      VALUES (1, ${startedAt}, ${BigInt(p.throughId)}, ${p.hash}, ${BigInt(p.checked)}, now())
      ON CONFLICT (id) DO UPDATE SET started_at = EXCLUDED.started_at, through_id = EXCLUDED.through_id,
        through_hash = EXCLUDED.through_hash, checked = EXCLUDED.checked, updated_at = now()`,
  )
}

/**
 * Records a finished run. With `clearCheckpoint` (the nightly run, system context) the checkpoint
 * goes in the same transaction: a crash cannot leave a finished run to be resumed.
 */
export async function recordAuditVerification(
  db: Db,
  context: DbContext,
  run: { startedAt: Date; source: AuditVerificationSource; walk: AuditWalk; clearCheckpoint?: boolean },
): Promise<void> {
  const { walk } = run
  await withTx(db, context, async (tx) => {
    await tx.auditVerificationRun.create({
      data: {
        startedAt: run.startedAt, ok: walk.ok, checked: BigInt(walk.checked), firstBrokenId: walk.firstBrokenId === null ? null : BigInt(walk.firstBrokenId),
        throughId: BigInt(walk.through.throughId), source: run.source, actorId: context.actorId ?? '',
      },
      select: { id: true },
    })
    if (run.clearCheckpoint) await tx.$executeRaw`DELETE FROM audit_verify_checkpoint`
  })
}

/** Verifies the whole chain in batches and records the result: what GET /audit/verify and the CLI run. */
export async function verifyAndRecordAuditChain(
  db: Db,
  context: DbContext,
  source: AuditVerificationSource,
  options: VerifyChainOptions = {},
): Promise<AuditVerification> {
  const startedAt = new Date()
  const walk = await walkAuditChain(db, context, options)
  await recordAuditVerification(db, context, { startedAt, source, walk })
  return { ok: walk.ok, checked: walk.checked, firstBrokenId: walk.firstBrokenId }
}
