// Shared plumbing: the repository's real lockfile and policy, and planted copies of them.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type Lockfile } from '../src/index.ts'

export const root = fileURLToPath(new URL('../../../', import.meta.url))
export const lockfilePath = path.join(root, 'package-lock.json')
export const advisoriesPath = path.join(root, 'security/advisories.json')

/** A fresh parsed copy of the real package-lock.json, safe to modify. */
export const realLock = (): Lockfile => JSON.parse(readFileSync(lockfilePath, 'utf8')) as Lockfile

/** Writes `lock` into a temporary folder removed after the test; returns its path. */
export function plant(t: { after: TestContext['after'] }, lock: Lockfile): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pf-lock-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'package-lock.json')
  writeFileSync(file, JSON.stringify(lock))
  return file
}

/** Runs the built command line (npm test builds before testing) against the repository. */
export function runCheck(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(root, 'packages/supply-chain/dist/main.js'), 'check', '--root', root, ...args], { encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}
