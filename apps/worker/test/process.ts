// The worker as a real process, for SIGKILL tests (src/main.ts through tsx) and benchmarks (the
// built dist/main.js, as deployed).
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { findRepoRoot } from '@printforge/devstack'
import type { WorkerConfig } from '@printforge/config'

export interface WorkerProcess {
  child: ChildProcess
  output: () => string
  kill(signal?: NodeJS.Signals): Promise<void>
}

export async function caFile(pem: string): Promise<string> {
  const file = path.join(os.tmpdir(), `pfw-ca-${randomBytes(4).toString('hex')}.pem`)
  await writeFile(file, pem)
  return file
}

/** Starts the worker with `config` as its environment; resolves once it logged "worker started". */
export function spawnWorker(config: WorkerConfig, extra: Record<string, string>, entry: 'src' | 'dist' = 'src', nodeArgs: string[] = []): Promise<WorkerProcess> {
  const root = findRepoRoot()
  // No metrics listener unless asked for: several spawned workers would collide on the default port.
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', METRICS_PORT: '0' }
  for (const [k, v] of Object.entries(config)) if (v !== undefined) env[k] = String(v)
  Object.assign(env, extra) // explicit overrides (queue prefix, lock) win over the config's defaults
  env['LOG_LEVEL'] = 'info'
  const args = [...nodeArgs, ...(entry === 'src' ? ['--import', 'tsx', path.join(root, 'apps/worker/src/main.ts')] : [path.join(root, 'apps/worker/dist/main.js')])]
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const handle: WorkerProcess = {
    child,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${out.slice(-2000)}`)), 60_000)
    const check = () => {
      if (out.includes('"worker started"')) {
        clearTimeout(timer)
        child.stdout?.off('data', check)
        resolve(handle)
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`worker exited with ${code}:\n${out.slice(-2000)}`))
    })
  })
}
