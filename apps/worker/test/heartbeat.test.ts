import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startHeartbeat } from '../src/heartbeat.ts'

// The container health check of the worker image (Dockerfile): it has no port to probe.
const healthcheck = fileURLToPath(new URL('../src/healthcheck.ts', import.meta.url))
const check = (env: Record<string, string>) => spawnSync(process.execPath, ['--import', 'tsx', healthcheck], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' })

test('the health check passes on a fresh heartbeat and fails on a stale, missing or unnamed one', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pf-heartbeat-')), 'worker.heartbeat')
  assert.equal(check({ WORKER_HEARTBEAT_FILE: file }).status, 1, 'no heartbeat yet')
  const stop = startHeartbeat(file, (err) => assert.fail(err))
  await new Promise((r) => setTimeout(r, 200))
  stop()
  assert.equal(check({ WORKER_HEARTBEAT_FILE: file }).status, 0)
  const minuteAgo = new Date(Date.now() - 60_000)
  utimesSync(file, minuteAgo, minuteAgo)
  const stale = check({ WORKER_HEARTBEAT_FILE: file })
  assert.equal(stale.status, 1)
  assert.match(stale.stderr, /heartbeat is \d+ s old/)
  assert.equal(check({}).status, 1, 'WORKER_HEARTBEAT_FILE unset')
})
