// The seed design (seed-design/app.py, FastAPI + python-jose + limits + asyncpg) as benchmark peer
// processes under uvicorn. Debian's python3-* packages live in /usr/lib/python3/dist-packages, which
// only Debian's own interpreter sees (a pyenv or venv python3 first on PATH does not): /usr/bin/python3
// unless SEED_PYTHON names another. scripts/bootstrap.mjs installs the packages for `npm run bench`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const appDir = fileURLToPath(new URL('seed-design', import.meta.url))
const python = process.env['SEED_PYTHON'] ?? '/usr/bin/python3'
const MODULES = ['fastapi', 'uvicorn', 'jose', 'limits', 'asyncpg', 'redis']

/** Why the seed design cannot run here, or undefined when it can. */
export function seedUnavailable(): string | undefined {
  const check = spawnSync(python, ['-c', `import ${MODULES.join(', ')}`], { encoding: 'utf8' })
  if (check.error) return `${python} not found (${check.error.message})`
  if (check.status === 0) return undefined
  const missing = /No module named '([^']+)'/.exec(check.stderr)?.[1]
  return `${python} lacks ${missing ? `the module ${missing}` : 'a module'}; install Debian's python3-fastapi python3-uvicorn python3-jose python3-limits python3-asyncpg python3-redis (npm run bench does, as root)`
}

/**
 * The event loop and HTTP parser uvicorn picks (`auto`): uvloop and httptools when installed (Debian's
 * python3-uvloop, python3-httptools, which `npm run bench` installs: `uvicorn[standard]`, as the seed
 * ran), else asyncio and h11, at about half the throughput. Printed with the results.
 */
export function seedRuntime(): string {
  const code = "import importlib.util as u; print('uvloop' if u.find_spec('uvloop') else 'asyncio', 'httptools' if u.find_spec('httptools') else 'h11')"
  const [loop, parser] = spawnSync(python, ['-c', code], { encoding: 'utf8' }).stdout.trim().split(' ')
  return `${python}, uvicorn on ${loop} + ${parser}`
}

export interface SeedOptions {
  port: number
  workers: number
  /** `app` (the read path) or `hello` (a bare FastAPI app). */
  app: 'app' | 'hello'
  env?: Record<string, string>
}

/** `python3 -m uvicorn app:<app> --workers N`, access log off, log level warning. */
export function spawnSeed({ port, workers, app, env = {} }: SeedOptions): ChildProcess {
  const args = ['-m', 'uvicorn', `app:${app}`, '--app-dir', appDir, '--host', '127.0.0.1', '--port', String(port), '--workers', String(workers), '--no-access-log', '--log-level', 'warning']
  return spawn(python, args, { env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1', ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
}
