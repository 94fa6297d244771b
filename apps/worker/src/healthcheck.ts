#!/usr/bin/env node
// The container health check (Dockerfile, worker target): exit 0 while the worker's heartbeat
// file is fresh, 1 when it is missing or stale.
import { statSync } from 'node:fs'
import { HEARTBEAT_STALE_MS } from './heartbeat.js'

const file = process.env['WORKER_HEARTBEAT_FILE']
if (!file) {
  process.stderr.write('WORKER_HEARTBEAT_FILE is not set\n')
  process.exit(1)
}
try {
  const age = Date.now() - statSync(file).mtimeMs
  if (age > HEARTBEAT_STALE_MS) {
    process.stderr.write(`heartbeat is ${Math.round(age / 1000)} s old\n`)
    process.exit(1)
  }
} catch (err) {
  process.stderr.write(`no heartbeat: ${(err as Error).message}\n`)
  process.exit(1)
}
