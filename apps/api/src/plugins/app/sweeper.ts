import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { jobIdFor } from '@printforge/jobs'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface SweeperOptions {
  intervalMs: number
  /** Rows younger than this are left alone: their request may still be enqueueing them. */
  minAgeMs: number
}

/**
 * "Nothing lost" (PRODUCT §6): the API commits a job as `queued`, then enqueues. If that enqueue
 * failed (Redis down) or Redis lost the job (restart without AOF), this re-enqueues every queued
 * row older than a minute that has no BullMQ job. Several instances may sweep at once: the job
 * id `scan.ingest-<rowId>` deduplicates.
 */
export default fp(
  async (app: FastifyInstance, options: SweeperOptions) => {
    let running = false
    async function sweep() {
      if (running || !app.redis.health.up) return
      running = true
      try {
        const rows = await withTx(app.db.prisma, SYSTEM_CONTEXT, (tx) =>
          tx.scanJob.findMany({
            where: { status: 'queued', createdAt: { lt: new Date(Date.now() - options.minAgeMs) } },
            select: { id: true },
            orderBy: { createdAt: 'asc' },
            take: 500,
          }),
        )
        let requeued = 0
        for (const { id } of rows) {
          if (await app.queues.raw.scans.getJob(jobIdFor('scan.ingest', id))) continue
          if (await app.queues.enqueueAfterCommit('scan.ingest', { scanJobId: id }, id)) requeued++
        }
        if (requeued > 0) app.log.warn({ requeued }, 'sweeper re-enqueued queued scan jobs that had no queue entry')
      } catch (err) {
        app.log.warn({ err }, 'enqueue sweep failed; next attempt at the next interval')
      } finally {
        running = false
      }
    }
    const timer = setInterval(() => void sweep(), options.intervalMs)
    timer.unref()
    app.decorate('sweepQueued', sweep)
    app.addHook('onClose', async () => clearInterval(timer))
  },
  { name: 'sweeper', dependencies: ['database', 'queues', 'redis'] },
)

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs one sweep now (tests, and ops through the maintenance queue later). */
    sweepQueued(): Promise<void>
  }
}
