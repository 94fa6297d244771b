import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const apiRoot = fileURLToPath(new URL('..', import.meta.url))

export async function waitReady(url: string, child: ChildProcess, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`)
    if (await fetch(url).then((r) => r.status < 500, () => false)) return
    if (Date.now() > deadline) throw new Error(`${url} not ready`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * The built API (apps/api/dist/server.js) as its own process, so its memory is its own. `root`: the
 * apps/api folder of another built checkout, to compare a baseline in the same run.
 */
export function spawnApi(env: Record<string, string>, root = apiRoot): ChildProcess {
  return spawn(process.execPath, ['dist/server.js'], { cwd: root, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
}

/** A bare Fastify "hello" on the same machine: the ceiling the API is compared with. */
export function spawnHello(port: number): ChildProcess {
  const code = `import Fastify from 'fastify'; const app = Fastify(); app.get('/', async () => ({ hello: 'world' })); await app.listen({ host: '127.0.0.1', port: ${port} })`
  return spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: apiRoot, stdio: ['ignore', 'ignore', 'inherit'] })
}

/** Resident set size of a process, in bytes (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0)
  return kib * 1024
}
