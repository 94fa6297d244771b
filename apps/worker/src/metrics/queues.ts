// printforge_queue_jobs: queue depth by state, read from Redis when scraped.
import { Gauge, type Registry } from '@printforge/metrics'
import type { QueueName } from '@printforge/jobs'
import type { Queue } from 'bullmq'
import { readWithin } from './scrape-read.js'

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const

// BullMQ (since v5) keeps a paused queue's jobs in its wait list: `waiting` counts them already.

export function registerQueueMetrics(registry: Registry, queues: Record<QueueName, Queue>): void {
  new Gauge({
    name: 'printforge_queue_jobs',
    help: 'Jobs in each queue by state (waiting includes prioritized, and the jobs of a paused queue), read from Redis at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      await Promise.all(
        Object.entries(queues).map(async ([name, queue]) => {
          // The worker's connection queues commands while Redis is away (maxRetriesPerRequest:
          // null), so an unbounded read would hang the scrape. On a timeout the last values stay.
          const counts = await readWithin(() => queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'))
          if (!counts) return
          const value: Record<(typeof STATES)[number], number> = {
            waiting: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0),
            active: counts['active'] ?? 0,
            delayed: counts['delayed'] ?? 0,
            failed: counts['failed'] ?? 0,
          }
          for (const state of STATES) this.set({ queue: name, state }, value[state])
        }),
      )
    },
  })
}
