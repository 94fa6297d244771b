import { enqueueAfterCommit, QUEUES, type JobName, type JobPayload, type QueueMap } from '@printforge/jobs'
import { Queue, type Telemetry } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    queues: QueueMap & {
      /** Adds a job after its row committed, under the job's enqueue policy (packages/jobs/src/after-commit.ts). */
      enqueueAfterCommit<N extends JobName>(name: N, payload: JobPayload<N>, key: string): Promise<boolean>
      raw: Record<(typeof QUEUES)[number], Queue>
    }
  }
}

/** BullMQ producers on the fail-fast connection, with the prefix shared with the worker. */
export default fp(
  async (app: FastifyInstance, options: { prefix: string; telemetry?: Telemetry | undefined }) => {
    const { prefix, telemetry } = options
    const raw = Object.fromEntries(
      // skipVersionCheck: BullMQ's INFO at init would, if it timed out once (a slow reply on a
      // loaded box), leave the Queue's connection promise rejected for the life of the process:
      // every enqueue would fail until a restart. The worker checks the server on its own connection.
      // telemetry (tracing on): each job carries the W3C context of the request that added it.
      QUEUES.map((name) => [name, new Queue(name, { connection: app.redis.queue, prefix, skipVersionCheck: true, ...(telemetry ? { telemetry } : {}) })]),
    ) as Record<(typeof QUEUES)[number], Queue>
    for (const queue of Object.values(raw)) queue.on('error', () => {})
    app.decorate('queues', {
      ...raw,
      raw,
      enqueueAfterCommit: (name, payload, key) => enqueueAfterCommit(raw, app.log, name, payload, key),
    })
    app.addHook('onClose', async () => {
      // Bounded: a Queue whose connection is already gone can wait forever for it to close.
      const bounded = (q: Queue) => Promise.race([q.close().catch(() => {}), new Promise((r) => setTimeout(r, 2_000).unref())])
      await Promise.all(Object.values(raw).map(bounded))
    })
  },
  { name: 'queues', dependencies: ['redis'] },
)
