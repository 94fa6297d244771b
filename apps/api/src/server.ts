#!/usr/bin/env node
// The API process: validate config, build the app, listen on HOST:API_PORT (127.0.0.1 by
// default: only nginx is exposed), close gracefully on SIGTERM/SIGINT.
import { ApiEnvSchema, loadConfigOrExit, refineApiConfig } from '@printforge/config'
import { startMetricsServer } from '@printforge/metrics'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'

const config = loadConfigOrExit(ApiEnvSchema, process.env, 'printforge-api', refineApiConfig)
const app = await buildApp({ config })

// Generous for 50 × 10 MiB uploads on slow links; headers must arrive quickly.
app.server.requestTimeout = 15 * 60_000
app.server.headersTimeout = 30_000
app.server.keepAliveTimeout = 72_000

// Prometheus scrapes a port of its own (docs/observability.md), never routed by nginx.
const metricsServer = config.METRICS_PORT > 0
  ? await startMetricsServer({
    registry: app.metrics.registry, host: config.METRICS_HOST, port: config.METRICS_PORT, token: config.METRICS_TOKEN,
    onError: (err) => app.log.error({ err }, 'metrics collection failed'),
  })
  : null
if (metricsServer) app.log.info({ host: config.METRICS_HOST, port: metricsServer.port, token: Boolean(config.METRICS_TOKEN) }, 'metrics listening')

closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an unexpected error')
  else app.log.info({ signal }, 'closing')
  await app.close()
  await metricsServer?.close()
})

await app.listen({ host: config.HOST, port: config.API_PORT })
