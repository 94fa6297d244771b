// Runs before anything is installed (plain Node, no dependencies): makes a fresh clone runnable.
// 1. npm packages: `npm ci` when node_modules is missing or older than package-lock.json.
// 2. Debian's redis-server when missing (no npm package ships one that installs offline), and for
//    `npm run dev` / `npm test` Debian's nginx-light (it serves the staff console in front of the
//    API): installed with apt when running as root, otherwise a clear message.
// 3. The build (turbo: prisma generate, then tsc -b for every package in dependency order).
import { spawnSync } from 'node:child_process'
import { existsSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('..', import.meta.url))

/** Runs a command; a failure ends this script unless `required` is false (then it returns false). */
function run(command, args, options = {}, { required = true } = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options })
  if (result.status !== 0) {
    console.error(`\n${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`)
    if (required) process.exit(result.status || 1)
    return false
  }
  return true
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
  aptInstall(['redis-server'], "Debian's redis-server")
}

/**
 * Debian's nginx-light, for `npm run dev` and `npm test`: the dev stack serves the staff console
 * through it, from the same template as production (packages/devstack/src/dev-nginx.ts). The
 * package ships a service that would listen on port 80: policy-rc.d (aptInstall) keeps it from
 * starting on install, and where systemd runs it is disabled, only when we installed it.
 */
export function ensureNginx() {
  if (existsSync('/usr/sbin/nginx')) return
  aptInstall(['nginx-light'], "Debian's nginx-light")
  spawnSync('sh', ['-c', 'command -v systemctl >/dev/null && systemctl disable --now nginx.service'], { stdio: 'ignore' })
}

/**
 * Debian's chromium, for `npm test` only: the staff console's browser suite drives it through
 * playwright-core (apps/console/test/browser.solo.test.ts). Not required here: without it that
 * test fails saying what is missing.
 */
export function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return
  aptInstall(['chromium'], "Debian's chromium (the console's browser tests)", { required: false })
}

/**
 * Debian's PostgreSQL 15 (the production server's version), for `npm test` only: the backup test
 * starts it for itself, since the embedded PostgreSQL 18 has no pg_dump. Not root: a notice, and
 * that test fails saying what is missing; nothing else needs it.
 */
export function ensurePostgres15() {
  if (existsSync('/usr/lib/postgresql/15/bin/pg_dump') && existsSync('/usr/lib/postgresql/15/bin/postgres')) return
  aptInstall(['postgresql-15', 'postgresql-client-15'], "Debian's PostgreSQL 15", { required: false })
}

/**
 * Debian's `prometheus` package, for `npm test` only: it ships promtool, which checks and unit-tests
 * the alert rules and checks monitoring/prometheus/prometheus.yml (packages/metrics/test/
 * monitoring.test.ts). Not required here: without it that test fails saying what is missing.
 * The package also ships the server and a service unit: policy-rc.d (aptInstall) keeps it from
 * starting on install, and where systemd runs it is disabled too, so nothing is left listening on
 * 9090 after a reboot. Only when we installed it: an existing Prometheus is left alone.
 */
export function ensurePromtool() {
  if (spawnSync('sh', ['-c', 'command -v promtool']).status === 0) return
  aptInstall(['prometheus'], "Debian's promtool (package prometheus)", { required: false })
  if (spawnSync('sh', ['-c', 'command -v promtool']).status !== 0) return
  spawnSync('sh', ['-c', 'command -v systemctl >/dev/null && systemctl disable --now prometheus.service'], { stdio: 'ignore' })
}

/**
 * The seed design the API bench compares GET /jobs/:id with (apps/api/bench/seed-design/app.py):
 * Debian's Python packages, for `npm run bench` only. Not required: without them the API bench says
 * that it skips the comparison, and why, and runs the rest.
 */
export function ensureSeedDesignPython() {
  // uvloop and httptools are what `uvicorn[standard]` runs on, as the seed did (its FastAPI hello
  // measured 13k req/s here, which asyncio + h11 reach less than half of); uvicorn picks them itself.
  const modules = 'fastapi, uvicorn, jose, limits, asyncpg, redis, uvloop, httptools'
  if (spawnSync('/usr/bin/python3', ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0) return
  const packages = ['python3-fastapi', 'python3-uvicorn', 'python3-jose', 'python3-limits', 'python3-asyncpg', 'python3-redis', 'python3-uvloop', 'python3-httptools']
  aptInstall(packages, "Debian's Python packages for the API bench's seed-design peer", { required: false })
}

/**
 * The Medusa shop of the plugin's e2e test (packages/medusa-plugin/e2e), for `npm test` only:
 * installed from its own lockfile into a cache directory, apart from the monorepo, without install
 * scripts (e2e/install-shop.mjs says why). Only when the run includes that test (`filters` are
 * npm test's arguments). Not required here: without it that test fails saying what is missing.
 */
export async function ensureMedusaShop(filters) {
  const e2e = 'packages/medusa-plugin/test/medusa-e2e.solo.test.ts'
  if (filters.length > 0 && !filters.some((f) => e2e.includes(f))) return
  const { ensureShop, shopDirectory } = await import('../packages/medusa-plugin/e2e/install-shop.mjs')
  if (existsSync(path.join(shopDirectory(), 'node_modules', '.package-lock.json'))) return
  step('Installing the Medusa shop of the plugin e2e test (npm ci into a cache directory)')
  try {
    ensureShop({ log: () => {} })
  } catch (err) {
    console.error(err.message)
  }
}

export function aptInstall(packages, what, { required = true } = {}) {
  if (process.getuid?.() !== 0) {
    console.error(`${what} is missing. Install it with: sudo apt-get install -y ${packages.join(' ')}`)
    if (required) process.exit(1)
    return
  }
  step(`Installing ${what} (apt-get)`)
  // Debian would start a system service on install (a passwordless Redis, a PostgreSQL cluster,
  // a system Docker daemon, nginx on port 80);
  // we only want the binaries. policy-rc.d answering 101 ("action forbidden") keeps them stopped.
  const policy = '/usr/sbin/policy-rc.d'
  const ownPolicy = !existsSync(policy)
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 })
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    // Not required: a failed install (no network, no such package) is a notice, not the end of the run.
    if (run('apt-get', ['update', '-qq'], { env }, { required })) {
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env }, { required })
    }
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
