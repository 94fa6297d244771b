#!/usr/bin/env node
// The API process: validate config, build the app, listen on HOST:API_PORT (127.0.0.1 by
// default: only nginx is exposed), close gracefully on SIGTERM/SIGINT.
import { ApiEnvSchema, loadConfigOrExit, refineApiConfig } from '@printforge/config'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'

const config = loadConfigOrExit(ApiEnvSchema, process.env, 'printforge-api', refineApiConfig)
const app = await buildApp({ config })

// Generous for 50 × 10 MiB uploads on slow links; headers must arrive quickly.
app.server.requestTimeout = 15 * 60_000
app.server.headersTimeout = 30_000
app.server.keepAliveTimeout = 72_000

closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an unexpected error')
  else app.log.info({ signal }, 'closing')
  await app.close()
})

await app.listen({ host: config.HOST, port: config.API_PORT })
