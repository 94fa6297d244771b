// printforge_jobs_total and printforge_job_duration_seconds: every job attempt by how it ended,
// observed by the processor (processor.ts) through its observer.
import { Counter, Histogram, type Registry } from '@printforge/metrics'
import type { JobAttempt } from '../processor.js'

export function createJobMetrics(registry: Registry): (attempt: JobAttempt) => void {
  const total = new Counter({
    name: 'printforge_jobs_total',
    help: 'Job attempts by job name and how they ended (completed, retry, failed: terminal, handed_back: returned at shutdown)',
    labelNames: ['job', 'outcome'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'printforge_job_duration_seconds',
    help: 'Time of one job attempt',
    labelNames: ['job', 'outcome'],
    // Scans take well under a second per image; dispatches wait for uploads and printers (minutes).
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [registry],
  })
  // The job name comes from the catalog (the processor drops any other) and the outcome from a
  // fixed union: both label values are bounded.
  return ({ job, outcome, seconds }) => {
    total.inc({ job, outcome })
    duration.observe({ job, outcome }, seconds)
  }
}
