// `npm test`, after install, build and lint: runs every test file with node:test (through tsx)
// against throwaway services (test-stack.ts). Extra arguments narrow the run to matching files.
import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { findRepoRoot, findFiles } from './repo.js'
import { withTestStack } from './test-stack.js'

const root = findRepoRoot()
const filters = process.argv.slice(2)
const files = findFiles(root, 'test', '.test.ts').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`)
  process.exit(1)
}

// Three passes, one after the other:
// - the shared pass: every ordinary file, more than one per core;
// - `fuzz.*.test.ts` (property-based fuzzing, CPU-bound and with a time budget: under two minutes
//   in all) one per core, so their time is theirs and not four other files' too;
// - `*.solo.test.ts` (the fault drill: it kills and freezes whole services under load and times
//   the answers) one at a time, on a machine that is otherwise idle.
const isSolo = (f: string) => f.endsWith('.solo.test.ts')
const isFuzz = (f: string) => path.basename(f).startsWith('fuzz.')
const passes = [
  { name: 'shared', files: files.filter((f) => !isSolo(f) && !isFuzz(f)), concurrency: Math.max(2, os.availableParallelism() * 2) },
  { name: 'fuzz', files: files.filter((f) => isFuzz(f) && !isSolo(f)), concurrency: Math.max(1, os.availableParallelism()) },
  { name: 'solo', files: files.filter(isSolo), concurrency: 1 },
]
const started = Date.now()
const exitCode = await withTestStack(root, async (env) => {
  let failed = 0
  for (const pass of passes) {
    if (pass.files.length === 0) continue
    const passStarted = Date.now()
    const code = await runNodeTests(pass.files, env, pass.concurrency)
    console.log(`npm test: ${pass.name} pass (${pass.files.length} files) ${code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - passStarted) / 1000).toFixed(1)} s`)
    failed ||= code
  }
  return failed
})
console.log(`npm test: ${exitCode === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
process.exit(exitCode)

/** Test files are I/O-bound (databases, sockets): the shared pass runs more than one per core. */
function runNodeTests(testFiles: string[], env: Record<string, string>, concurrency: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '--import', 'tsx', '--test', `--test-concurrency=${String(concurrency)}`, '--test-reporter=spec',
      // A leaked handle must not keep a finished file's process (and CI) alive, and no single
      // test may hang the run: fail it after 10 minutes instead.
      '--test-force-exit', '--test-timeout=600000',
      ...testFiles,
    ],
    { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' },
  )
  const forward = (signal: NodeJS.Signals) => child.kill(signal)
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))))
}
