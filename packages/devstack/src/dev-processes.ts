import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { stopChild } from './redis.js'

export interface DevProcess {
  process: ChildProcess
  stop(): Promise<void>
}

/** Where a child's log lines go: our stdout (undefined), or a function (tests). */
export type DevLog = ((line: string) => void) | undefined

/** Runs a built app (`apps/<name>/dist/<entry>`) as a child process, its logs on our stdout or to `log`. */
function startChild(root: string, script: string, env: Record<string, string>, graceMs: number, log: DevLog): DevProcess {
  const child = spawn(process.execPath, [path.join(root, script)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', log ? 'pipe' : 'inherit', log ? 'pipe' : 'inherit'],
  })
  if (log) {
    const forward = (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach(log)
    child.stdout?.on('data', forward)
    child.stderr?.on('data', forward)
  }
  return { process: child, stop: () => stopChild(child, graceMs) }
}

/** The API, ready once /health/ready answers 200. */
export async function startDevApi(root: string, env: Record<string, string>, log?: DevLog): Promise<DevProcess & { url: string }> {
  const api = startChild(root, 'apps/api/dist/server.js', env, 15_000, log)
  const url = `http://127.0.0.1:${env['API_PORT'] ?? '8000'}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (api.process.exitCode !== null) throw new Error(`the API exited with code ${api.process.exitCode} during startup (see its log above)`)
    if (await fetch(`${url}/health/ready`, { headers: { host: 'localhost' } }).then((r) => r.ok, () => false)) break
    if (Date.now() > deadline) throw new Error('the API did not become ready within 30 s')
    await new Promise((r) => setTimeout(r, 200))
  }
  return { ...api, url }
}

/** The worker; it refuses to start (and exits) on a bad configuration or an unsafe Redis. */
export async function startDevWorker(root: string, env: Record<string, string>, log?: DevLog): Promise<DevProcess> {
  const worker = startChild(root, 'apps/worker/dist/main.js', env, 40_000, log)
  // It has no HTTP port: give it a moment to fail fast on its startup checks.
  await new Promise((r) => setTimeout(r, 1_500))
  if (worker.process.exitCode !== null) throw new Error(`the worker exited with code ${worker.process.exitCode} during startup (see its log above)`)
  return worker
}
