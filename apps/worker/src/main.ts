#!/usr/bin/env node
// The worker process: configuration from the environment (only here), then startWorker. SIGTERM
// and SIGINT close it gracefully within SHUTDOWN_GRACE_MS; a second signal exits at once.
import { loadConfigOrExit, WorkerEnvSchema } from '@printforge/config'
import { startHeartbeat } from './heartbeat.js'
import { startWorker } from './worker.js'

const config = loadConfigOrExit(WorkerEnvSchema, process.env, 'printforge-worker')
const lockMs = config.WORKER_LOCK_MS
const worker = await startWorker(config, {
  lockDurationMs: lockMs,
  stalledIntervalMs: Math.min(lockMs, 30_000),
  sweepMinAgeMs: config.SWEEP_MIN_AGE_MS,
  schedules: { sweepEveryMs: config.SWEEP_EVERY_MS },
}).catch((err: Error) => {
  process.stderr.write(`printforge-worker: ${err.message}\n`)
  process.exit(1)
})

const stopHeartbeat = config.WORKER_HEARTBEAT_FILE
  ? startHeartbeat(config.WORKER_HEARTBEAT_FILE, (err) => worker.log.warn({ err: err.message }, 'heartbeat file not written'))
  : () => {}

let stopping = false
const stop = (signal: string) => {
  if (stopping) process.exit(1)
  stopping = true
  stopHeartbeat()
  worker.log.info({ signal }, 'shutting down')
  // The grace bounds the job wait; sessions, queues and pools need a little more on top.
  const hardStop = setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS + 15_000)
  hardStop.unref()
  worker.close().then(
    () => process.exit(0),
    (err: Error) => {
      worker.log.error({ err: err.message }, 'shutdown failed')
      process.exit(1)
    },
  )
}
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))
