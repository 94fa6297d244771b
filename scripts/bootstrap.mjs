// Runs before anything is installed (plain Node, no dependencies): makes a fresh clone runnable.
// 1. npm packages: `npm ci` when node_modules is missing or older than package-lock.json.
// 2. Debian's redis-server when missing (no npm package ships one that installs offline):
//    installed with apt when running as root, otherwise a clear message.
// 3. The build (turbo: prisma generate, then tsc -b for every package in dependency order).
import { spawnSync } from 'node:child_process'
import { existsSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('..', import.meta.url))

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options })
  if (result.status !== 0) {
    console.error(`\n${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`)
    process.exit(result.status || 1)
  }
}

const step = (message) => console.log(`\n▸ ${message}`)

export function ensureNodeModules() {
  const installed = path.join(root, 'node_modules/.package-lock.json')
  const lock = path.join(root, 'package-lock.json')
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return
  step('Installing npm packages (npm ci)')
  run('npm', ['ci', '--no-fund', '--no-audit'])
}

export function ensureRedisServer() {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status === 0) return
  if (process.getuid?.() !== 0) {
    console.error('redis-server is missing. Install it with: sudo apt-get install -y redis-server')
    process.exit(1)
  }
  step("Installing Debian's redis-server (apt-get)")
  // Debian would start a passwordless system Redis on install; we only want the binary.
  // policy-rc.d answering 101 ("action forbidden") keeps the service from starting.
  const policy = '/usr/sbin/policy-rc.d'
  const ownPolicy = !existsSync(policy)
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 })
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    run('apt-get', ['update', '-qq'], { env })
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { env })
  } finally {
    if (ownPolicy) unlinkSync(policy)
  }
}

export function build() {
  step('Building (prisma generate, tsc -b)')
  run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'])
}

/** Everything a fresh clone needs before our own TypeScript can run. */
export function bootstrap() {
  ensureNodeModules()
  ensureRedisServer()
  build()
}

export { run, step }
