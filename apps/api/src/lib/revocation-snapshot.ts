import { readOnce, SYSTEM_CONTEXT } from '@printforge/db'
import type pg from 'pg'

/**
 * Every instance keeps the token cut-offs (token_revocations) in memory and syncs them every
 * `refreshMs` with one query for the rows changed since the last sync — instead of one database
 * round trip per customer per cache period on the hot read path (measured: that lookup cost half
 * of GET /jobs/:id's throughput). A revocation reaches every instance within `refreshMs` (and the
 * revoking instance at once, through `note`), as the per-actor cache did.
 *
 * Fail-safe: when the last successful sync is older than three periods (the database was out of
 * reach), `cutOffOf` answers undefined and callers look the actor up themselves.
 */
export interface RevocationSnapshot {
  /** Whole epoch second of the actor's cut-off; null when never revoked; undefined when stale. */
  cutOffOf(actorType: 'customer' | 'user', actorId: string): number | null | undefined
  /** A revocation committed on this instance: effective here before the next sync. */
  note(actorType: 'customer' | 'user', actorId: string, revokedBefore: Date): void
  /** Resolves after the first full load (boot waits for it). */
  ready: Promise<void>
  close(): void
}

interface Row {
  actor_type: 'customer' | 'user'
  actor_id: string
  through: number
  updated_at: Date
}

// updated_at is the revoking transaction's start time: a transaction that began before the last
// sync but committed after it would fall behind the watermark. Re-reading the last minute's
// changes covers any transaction shorter than that; applying a row twice changes nothing.
const OVERLAP_MS = 60_000
const SQL = `SELECT actor_type::text, actor_id, floor(extract(epoch FROM revoked_before))::float8 AS through, updated_at
               FROM token_revocations WHERE updated_at > $1::timestamptz`

export function createRevocationSnapshot(pool: pg.Pool, refreshMs: number, log: { warn(obj: object, msg: string): void }): RevocationSnapshot {
  const cutOffs = new Map<string, number>()
  let watermark = new Date(0)
  let syncedAt = 0
  let failing = false
  const key = (actorType: string, actorId: string) => `${actorType}:${actorId}`
  const apply = (k: string, through: number) => cutOffs.set(k, Math.max(cutOffs.get(k) ?? -Infinity, through))

  async function sync() {
    const started = Date.now()
    const since = new Date(Math.max(0, watermark.getTime() - OVERLAP_MS)).toISOString()
    const rows = await readOnce<Row>(pool, SYSTEM_CONTEXT, SQL, [since])
    for (const row of rows) {
      apply(key(row.actor_type, row.actor_id), row.through)
      if (row.updated_at > watermark) watermark = row.updated_at
    }
    syncedAt = started
  }

  const tick = () =>
    sync().then(
      () => (failing = false),
      (err: unknown) => {
        // Once per outage: the stale-snapshot fallback takes over meanwhile.
        if (!failing) log.warn({ err: (err as Error).message }, 'token revocations could not be synced; checking each actor in the database meanwhile')
        failing = true
      },
    )
  const ready = sync()
  const timer = setInterval(() => void tick(), refreshMs)
  timer.unref()

  return {
    cutOffOf(actorType, actorId) {
      if (Date.now() - syncedAt > 3 * refreshMs) return undefined
      return cutOffs.get(key(actorType, actorId)) ?? null
    },
    note(actorType, actorId, revokedBefore) {
      apply(key(actorType, actorId), Math.floor(revokedBefore.getTime() / 1000))
    },
    ready,
    close: () => clearInterval(timer),
  }
}
