import { spawn } from 'node:child_process'
import path from 'node:path'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/**
 * How pg_dump and pg_restore reach the database: the URL without its password (it appears on their
 * command line, visible in `ps`, and in our messages) and the password in their environment only.
 */
export interface PgConnection {
  url: string
  password: string
}

export function pgConnection(url: string): PgConnection {
  const parsed = new URL(url)
  const password = decodeURIComponent(parsed.password)
  parsed.password = ''
  return { url: parsed.toString(), password }
}

export interface PgToolRun {
  binDir: string | undefined
  connection: PgConnection
  /** Extra libpq settings, e.g. `-c printforge.backup=on` for the session's PGOPTIONS. */
  options?: string
  /** Where stdout goes (pg_dump's archive); ignored otherwise. */
  stdout?: Writable
}

const toolPath = (binDir: string | undefined, tool: string) => (binDir ? path.join(binDir, tool) : tool)

/** `pg_dump --version` and the like: the first line of stdout. */
export function pgToolVersion(binDir: string | undefined, tool: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath(binDir, tool), ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', (err) => reject(new Error(`cannot run ${tool} (${err.message}); set PG_BIN_DIR to the folder holding it`)))
    child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${tool} --version exited ${code}`))))
  })
}

/**
 * Runs pg_dump or pg_restore. Rejects with the tool's stderr when it fails; the password is
 * scrubbed from that text anyway (libpq does not print it, but a message must never depend on that).
 */
export async function runPgTool(tool: 'pg_dump' | 'pg_restore', args: string[], run: PgToolRun): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, PGPASSWORD: run.connection.password, PGAPPNAME: `printforge-${tool}` }
  // Settings from the caller's own environment must not redirect or weaken the session.
  delete env['PGPASSFILE']
  delete env['PGSERVICE']
  if (run.options) env['PGOPTIONS'] = run.options
  else delete env['PGOPTIONS']
  const child = spawn(toolPath(run.binDir, tool), ['--dbname', run.connection.url, '--no-password', ...args], {
    env,
    stdio: ['ignore', run.stdout ? 'pipe' : 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 64_000) stderr += d.toString()
  })
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (err) => reject(new Error(`cannot run ${tool} (${err.message}); set PG_BIN_DIR to the folder holding it`)))
    child.on('close', (code) => resolve(code))
  })
  // Together, so a failure of either is reported and neither rejection goes unhandled.
  const [, code] = await Promise.all([run.stdout && child.stdout ? pipeline(child.stdout, run.stdout) : undefined, exited])
  if (code !== 0) {
    const text = run.connection.password ? stderr.split(run.connection.password).join('***') : stderr
    throw new Error(`${tool} exited ${code}: ${text.trim()}`)
  }
}
