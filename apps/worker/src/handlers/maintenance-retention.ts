// maintenance.retention (PRODUCT §5.3): terminal scan and print jobs older than JOB_RETENTION_DAYS
// are deleted with their objects (objects first: a crash leaves rows that the next run deletes,
// never objects nobody can find), then audit rows older than AUDIT_RETENTION_DAYS are exported
// and pruned by the database function that re-anchors the chain.
import { SYSTEM_CONTEXT, withTx, writeAudit, type Db } from '@printforge/db'
import type { Logger } from '@printforge/logger'
import { quarantinePrefix, type ObjectStore } from '@printforge/storage'
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
      where: { status: { in: ['stored', 'failed', 'cancelled'] }, ...old(cutoff) },
      select: { id: true, status: true, images: { select: { quarantineKey: true, storageKey: true } } },
      take: BATCH,
    }),
  )
  for (const job of jobs) {
    const keys = job.images.flatMap((i) => [i.quarantineKey, i.storageKey]).filter((k): k is string => Boolean(k))
    await deps.store.deleteKeys([...keys, ...(await deps.store.listKeys(quarantinePrefix(job.id)))])
    await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
      const { count } = await tx.scanJob.deleteMany({ where: { id: job.id, status: job.status } })
      if (count === 1) {
        await writeAudit(tx, { actorType: 'system', actorId: 'system', action: 'job.deleted', targetType: 'scan_job', targetId: job.id, details: { reason: 'retention', imageCount: job.images.length } })
      }
    })
  }
  return jobs.length
}

async function deletePrintBatch(deps: RetentionDeps, cutoff: Date): Promise<number> {
  const jobs = await withTx(deps.db, SYSTEM_CONTEXT, (tx) =>
    tx.manufacturingJob.findMany({
      where: { status: { in: ['completed', 'failed', 'cancelled'] }, ...old(cutoff) },
      select: { id: true, status: true, fileKey: true },
      take: BATCH,
    }),
  )
  for (const job of jobs) {
    await deps.store.deleteKeys([job.fileKey])
    await withTx(deps.db, SYSTEM_CONTEXT, async (tx) => {
      const { count } = await tx.manufacturingJob.deleteMany({ where: { id: job.id, status: job.status } })
      if (count === 1) {
        await writeAudit(tx, { actorType: 'system', actorId: 'system', action: 'job.deleted', targetType: 'manufacturing_job', targetId: job.id, details: { reason: 'retention' } })
      }
    })
  }
  return jobs.length
}
