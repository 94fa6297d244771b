import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { stopChild } from './redis.js'

/** Starts the API (apps/api/dist/server.js) as a child process and waits until it is ready. */
export async function startDevApi(root: string, env: Record<string, string>): Promise<{ url: string; process: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(root, 'apps/api/dist/server.js')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const url = `http://127.0.0.1:${env['API_PORT'] ?? '8000'}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode} during startup (see its log above)`)
    const ready = await fetch(`${url}/health/ready`, { headers: { host: 'localhost' } }).then((r) => r.ok, () => false)
    if (ready) break
    if (Date.now() > deadline) throw new Error('the API did not become ready within 30 s')
    await new Promise((r) => setTimeout(r, 200))
  }
  return { url, process: child, stop: () => stopChild(child, 15_000) }
}
