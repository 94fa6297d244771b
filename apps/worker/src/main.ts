#!/usr/bin/env node
// The worker process: configuration from the environment (only here), then startWorker. SIGTERM
// and SIGINT close it gracefully within SHUTDOWN_GRACE_MS; a second signal exits at once.
import { loadConfigOrExit, refineWorkerConfig, WorkerEnvSchema } from '@printforge/config'
import { startMetricsServer, type MetricsServer } from '@printforge/metrics'
import { startHeartbeat } from './heartbeat.js'
import { startWorker } from './worker.js'

const config = loadConfigOrExit(WorkerEnvSchema, process.env, 'printforge-worker', refineWorkerConfig)
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

// GET /metrics on a port of its own (docs/observability.md); METRICS_PORT=0 serves none.
let metricsServer: MetricsServer | null = null
if (config.METRICS_PORT > 0) {
  metricsServer = await startMetricsServer({
    registry: worker.metrics,
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
    token: config.METRICS_TOKEN,
    onError: (err) => worker.log.warn({ err: err.message }, 'metrics collection failed'),
  }).catch(async (err: Error) => {
    process.stderr.write(`printforge-worker: metrics listener on ${config.METRICS_HOST}:${config.METRICS_PORT}: ${err.message}\n`)
    await worker.close()
    process.exit(1)
  })
  // Where to scrape; whether a token is required, never the token.
  worker.log.info({ host: config.METRICS_HOST, port: metricsServer.port, bearerRequired: Boolean(config.METRICS_TOKEN) }, 'metrics listening')
}

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
  Promise.all([worker.close(), metricsServer?.close()]).then(
    () => process.exit(0),
    (err: Error) => {
      worker.log.error({ err: err.message }, 'shutdown failed')
      process.exit(1)
    },
  )
}
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))
