import type { Db, Tx } from './client.js'
import { SYSTEM_CONTEXT, withTx } from './context.js'

/**
 * The deletion outbox (docs/product.md §6 "deletes are complete"). A row change that orphans objects —
 * a job deleted, a scan cancelled, retention — records what must go in its own transaction;
 * whoever drains the outbox next (the request right after its commit, or the worker's
 * `maintenance.deletions` schedule) removes the objects and then the outbox row. A storage outage
 * only delays that: rows stay until storage confirms.
 */

/** What the outbox needs of object storage (@printforge/storage's ObjectStore fits). */
export interface ObjectRemover {
  deleteKeys(keys: string[]): Promise<void>
  listKeys(prefix: string): Promise<string[]>
}

export interface DeletionOptions {
  /** Not before this time (default: now). */
  notBefore?: Date
  /** When due, only forget the row if this scan job exists by then (see recordUploadIntent). */
  keepIfJobId?: string
}

/** Objects under `quarantine/<job>/`, `scans/<customer>/<job>/` or `models/<job>/`; a key ending in '/' is a prefix. */
export async function recordDeletions(tx: Tx, keys: string[], reason: string, options: DeletionOptions = {}): Promise<void> {
  const unique = [...new Set(keys)]
  if (unique.length === 0) return
  const extra = { ...(options.notBefore ? { nextAttemptAt: options.notBefore } : {}), ...(options.keepIfJobId ? { keepIfJobId: options.keepIfJobId } : {}) }
  // createMany: INSERT without RETURNING, which the outbox's SELECT policy (system only) would refuse.
  await tx.objectDeletion.createMany({ data: unique.map((key) => ({ key, reason, ...extra })) })
}

/**
 * Written before an upload streams its first byte to `quarantine/<jobId>/`: if the process dies
 * mid-upload (or storage fails its clean-up), nothing else knows those objects exist. When the row
 * comes due — after any upload could have finished — the objects are removed unless the job
 * committed, in which case the row is simply forgotten.
 */
export function recordUploadIntent(tx: Tx, quarantinePrefix: string, jobId: string, dueAfterMs: number): Promise<void> {
  return recordDeletions(tx, [quarantinePrefix], 'upload.pending', { notBefore: new Date(Date.now() + dueAfterMs), keepIfJobId: jobId })
}

export interface DrainResult {
  deleted: number
  failed: number
}

const jobExists = async (db: Db, id: string) =>
  (await withTx(db, SYSTEM_CONTEXT, (tx) => tx.scanJob.count({ where: { id } }))) > 0

const backoffMs = (attempts: number) => Math.min(10_000 * 2 ** Math.min(attempts, 9), 3_600_000)

/**
 * Removes due outbox rows' objects, then the rows (system context). `keys` narrows the drain to
 * the rows a request just recorded; without it, up to `limit` due rows are taken, oldest first.
 * A row whose objects cannot be removed yet is retried later with exponential backoff (≤ 1 h).
 * Never throws for a storage failure: the rows stay, which is the point.
 */
export async function drainDeletions(db: Db, store: ObjectRemover, options: { keys?: string[]; limit?: number } = {}): Promise<DrainResult> {
  // Every upload leaves an intent; nearly all of them belong to jobs that committed. Forget those
  // in one statement, so a busy day's intents cost one query, not one round trip each.
  if (!options.keys) {
    await withTx(db, SYSTEM_CONTEXT, (tx) => tx.$executeRaw`
      DELETE FROM object_deletions d
       WHERE d.keep_if_job_id IS NOT NULL AND d.next_attempt_at <= now()
         AND EXISTS (SELECT 1 FROM scan_jobs j WHERE j.id = d.keep_if_job_id)`)
  }
  const rows = await withTx(db, SYSTEM_CONTEXT, (tx) =>
    tx.objectDeletion.findMany({
      where: options.keys ? { key: { in: options.keys } } : { nextAttemptAt: { lte: new Date() } },
      orderBy: { id: 'asc' },
      take: options.limit ?? 500,
      select: { id: true, key: true, attempts: true, keepIfJobId: true },
    }),
  )
  const result: DrainResult = { deleted: 0, failed: 0 }
  for (const row of rows) {
    try {
      if (row.keepIfJobId && (await jobExists(db, row.keepIfJobId))) {
        await withTx(db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.deleteMany({ where: { id: row.id } }))
        continue
      }
      const keys = row.key.endsWith('/') ? await store.listKeys(row.key) : [row.key]
      await store.deleteKeys(keys)
      await withTx(db, SYSTEM_CONTEXT, (tx) => tx.objectDeletion.deleteMany({ where: { id: row.id } }))
      result.deleted++
    } catch (err) {
      result.failed++
      await withTx(db, SYSTEM_CONTEXT, (tx) =>
        tx.objectDeletion.updateMany({
          where: { id: row.id },
          data: { attempts: { increment: 1 }, lastError: String((err as Error)?.message ?? err).slice(0, 500), nextAttemptAt: new Date(Date.now() + backoffMs(row.attempts)) },
        }),
      ).catch(() => {}) // the database may be what failed; the row stays due either way
    }
  }
  return result
}
