import { withTx, type Database } from '@printforge/db'
import { PRINTER_BUSY_STATE_LIST, PRINTER_FAILED_STATE, printOutcomesSince, scanOutcomesSince } from '@printforge/domain'
import type { Queue } from 'bullmq'
import type { Principal } from '../lib/principal.js'

type Counts = Record<string, number>

const byStatus = (rows: { status: string; _count: { _all: number } }[]): Counts =>
  Object.fromEntries(rows.map((r) => [r.status, r._count._all]))

/** GET /stats/dashboard (admin, docs/product.md §4.6): aggregates only, no customer rows. */
export function createStatsService(deps: { db: Pick<Database, 'prisma'>; queues: Record<string, Pick<Queue, 'getJobCounts'>> }) {
  async function queueDepths() {
    const entries = await Promise.all(
      Object.entries(deps.queues).map(async ([name, queue]) => {
        try {
          const c = await Promise.race([
            queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 500).unref()),
          ])
          return [name, { waiting: c['waiting'] ?? 0, active: c['active'] ?? 0, delayed: c['delayed'] ?? 0, failed: c['failed'] ?? 0 }]
        } catch {
          return [name, null] // Redis unreachable: say so rather than fail the whole dashboard
        }
      }),
    )
    return Object.fromEntries(entries) as Record<string, { waiting: number; active: number; delayed: number; failed: number } | null>
  }

  return {
    async dashboard(p: Principal) {
      const since = new Date(Date.now() - 24 * 3_600_000)
      const [db, queues] = await Promise.all([
        withTx(deps.db.prisma, { actorId: p.actorId, role: 'admin' }, async (tx) => {
          const [jobs, prints, printers, scans24h, prints24h, authFailures] = await Promise.all([
            tx.scanJob.groupBy({ by: ['status'], _count: { _all: true } }),
            tx.manufacturingJob.groupBy({ by: ['status'], _count: { _all: true } }),
            tx.$queryRaw<{ online: bigint; printing: bigint; in_error: bigint; total: bigint }[]>`
              SELECT count(*) FILTER (WHERE s.online) AS online,
                     count(*) FILTER (WHERE s.online AND s.gcode_state = ANY(${[...PRINTER_BUSY_STATE_LIST]})) AS printing,
                     count(*) FILTER (WHERE jsonb_array_length(s.errors) > 0 OR s.gcode_state = ${PRINTER_FAILED_STATE}) AS in_error,
                     (SELECT count(*) FROM printers) AS total
                FROM printer_status s`,
            scanOutcomesSince(tx, since),
            printOutcomesSince(tx, since),
            // Failures are audited in aggregate: each row carries its count.
            tx.$queryRaw<{ n: bigint }[]>`SELECT COALESCE(sum((details->>'count')::bigint), 0) AS n FROM audit_log WHERE action = 'auth.failed' AND at >= ${since}`,
          ])
          const fleet = printers[0]
          return {
            jobs: byStatus(jobs),
            manufacturingJobs: byStatus(prints),
            printers: { total: Number(fleet?.total ?? 0), online: Number(fleet?.online ?? 0), printing: Number(fleet?.printing ?? 0), inError: Number(fleet?.in_error ?? 0) },
            last24h: { scansStored: scans24h.stored, scansFailed: scans24h.failed, printsCompleted: prints24h.completed, printsFailed: prints24h.failed, authFailures: Number(authFailures[0]?.n ?? 0) },
          }
        }),
        queueDepths(),
      ])
      return { ...db, queues, generatedAt: new Date().toISOString() }
    },
  }
}

export type StatsService = ReturnType<typeof createStatsService>
