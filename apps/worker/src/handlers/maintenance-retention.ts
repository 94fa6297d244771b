// maintenance.retention (docs/product.md §5.3): terminal scan and print jobs older than JOB_RETENTION_DAYS
// are deleted with their objects (the row delete records them in the deletion outbox in the same
// transaction, so a crash or a storage outage cannot leave objects nobody can find), then audit
// rows older than AUDIT_RETENTION_DAYS are exported and pruned by the database function that
// re-anchors the chain.
import { drainDeletions, recordDeletions, SYSTEM_CONTEXT, withTx, writeAudit, type Db } from '@printforge/db'
import { PRINT_TERMINAL, SCAN_TERMINAL } from '@printforge/domain'
import type { Logger } from '@printforge/logger'
import { quarantinePrefix, scanPrefix, type ObjectStore } from '@printforge/storage'
import { pruneAudit } from '../audit-prune.js'
import type { Handler } from '../processor.js'

export interface RetentionDeps {
  db: Db
  store: ObjectStore
  log: Logger
  jobRetentionDays: number
  auditRetentionDays: number
}

const DAY_MS = 86_400_000
const BATCH = 100

export function createRetention(deps: RetentionDeps): Handler<'maintenance.retention'> {
  return async (_payload, ctx) => {
    const cutoff = new Date(Date.now() - deps.jobRetentionDays * DAY_MS)
    let scans = 0
    let prints = 0
    for (let n; (n = await deleteScanBatch(deps, cutoff)) > 0; scans += n) if (ctx.signal.aborted) throw ctx.signal.reason
    for (let n; (n = await deletePrintBatch(deps, cutoff)) > 0; prints += n) if (ctx.signal.aborted) throw ctx.signal.reason
    const audit = await pruneAudit(deps, deps.auditRetentionDays)
    deps.log.info({ scans, prints, auditRows: audit.pruned, auditExport: audit.exportKey }, 'retention done')
  }
}

const old = (cutoff: Date) => ({ OR: [{ finishedAt: { lt: cutoff } }, { finishedAt: null, updatedAt: { lt: cutoff } }] })

async function deleteScanBatch(deps: RetentionDeps, cutoff: Date): Promise<number> {
  const jobs = await withTx(deps.db, SYSTEM_CONTEXT, (tx) =>
    tx.scanJob.findMany({
      where: { status: { in: [...SCAN_TERMINAL] }, ...old(cutoff) },
      select: { id: true, status: true, customerId: true, imageCount: true },
      take: BATCH,
    }),
  )
  const keys: string[] = []
  for (const job of jobs) {
    const objects = [quarantinePrefix(job.id), scanPrefix(job.customerId, job.id)]
    const deleted = await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
      const { count } = await tx.scanJob.deleteMany({ where: { id: job.id, status: job.status } })
      if (count === 0) return false
      await recordDeletions(tx, objects, 'retention')
      await writeAudit(tx, { actorType: 'system', actorId: 'system', action: 'job.deleted', targetType: 'scan_job', targetId: job.id, details: { reason: 'retention', imageCount: job.imageCount } })
      return true
    })
    if (deleted) keys.push(...objects)
  }
  await drain(deps, keys)
  return jobs.length
}

async function deletePrintBatch(deps: RetentionDeps, cutoff: Date): Promise<number> {
  const jobs = await withTx(deps.db, SYSTEM_CONTEXT, (tx) =>
    tx.manufacturingJob.findMany({
      where: { status: { in: [...PRINT_TERMINAL] }, ...old(cutoff) },
      select: { id: true, status: true, fileKey: true },
      take: BATCH,
    }),
  )
  const keys: string[] = []
  for (const job of jobs) {
    const deleted = await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
      const { count } = await tx.manufacturingJob.deleteMany({ where: { id: job.id, status: job.status } })
      if (count === 0) return false
      await recordDeletions(tx, [job.fileKey], 'retention')
      await writeAudit(tx, { actorType: 'system', actorId: 'system', action: 'job.deleted', targetType: 'manufacturing_job', targetId: job.id, details: { reason: 'retention' } })
      return true
    })
    if (deleted) keys.push(job.fileKey)
  }
  await drain(deps, keys)
  return jobs.length
}

/** Objects of the rows just deleted; what storage refuses now stays in the outbox for the sweep. */
async function drain(deps: RetentionDeps, keys: string[]) {
  if (keys.length === 0) return
  const { failed } = await drainDeletions(deps.db, deps.store, { keys })
  if (failed > 0) deps.log.warn({ failed }, 'retention: some objects could not be removed yet; the sweep retries')
}
