// The dev platform (`npm run dev`'s stack: PostgreSQL, Redis, S3, three virtual printers, API,
// worker, nginx serving the built console, the dev sign-in) started in this process on free ports,
// with its env file and data in a temporary folder, so the suite never touches a developer's
// .env.local or local data.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { findRepoRoot, startDevPlatform } from '@printforge/devstack'

export type Platform = Awaited<ReturnType<typeof startDevPlatform>>
export type StaffRole = 'admin' | 'operator'

/**
 * Virtual-printer time multiplier: a 10 s PREPARE and 120 s print at 1; at 6 a print takes ~22 s,
 * long enough to pause, resume and open the Stop dialog mid-print, short enough for the 5-minute budget.
 */
export const PRINTER_SPEED = 6

/** The services' and setup's log lines, kept (the last few thousand) to print when a step fails. */
const LOG_LINES = 3_000

export async function startPlatform(): Promise<Platform & { cleanup(): Promise<void>; logTail(lines?: number): string }> {
  const logLines: string[] = []
  const log = (line: string) => {
    logLines.push(line)
    if (logLines.length > LOG_LINES) logLines.splice(0, logLines.length - LOG_LINES)
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'printforge-console-env-'))
  // PostgreSQL runs as the postgres user, who cannot enter a root-owned mkdtemp folder: the stack
  // creates this one itself.
  const dataDir = path.join(os.tmpdir(), `printforge-console-data-${randomBytes(4).toString('hex')}`)
  const platform = await startDevPlatform({
    root: findRepoRoot(),
    envFile: path.join(tmp, 'env'),
    dataDir,
    freePorts: true,
    printerSpeed: PRINTER_SPEED,
    log,
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n--- platform log ---\n${logLines.slice(-200).join('\n')}`)
  })
  return {
    ...platform,
    logTail: (lines = 150) => logLines.slice(-lines).join('\n'),
    async cleanup() {
      await platform.stop()
      await Promise.all([rm(tmp, { recursive: true, force: true }), rm(dataDir, { recursive: true, force: true })])
    },
  }
}

/** A token exactly as the console gets one: the dev sign-in's stand-in for Medusa's emailpass route. */
export async function signInThroughApi(platform: Platform, role: StaffRole): Promise<string> {
  const { email, password } = platform.accounts[role]
  const res = await fetch(new URL('/auth/user/emailpass', platform.medusaUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (!res.ok) throw new Error(`dev sign-in for ${role}: HTTP ${res.status}`)
  return ((await res.json()) as { token: string }).token
}

/** A JSON call to the API with a bearer token; throws with the body on a non-2xx answer. */
export async function callApi<T>(platform: Platform, token: string, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(route, platform.apiUrl), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text}`)
  return JSON.parse(text) as T
}
