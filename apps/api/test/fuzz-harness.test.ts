// The fuzz harness's own defences against hangs (fuzz.harness.ts, fuzz.watchdog.ts): a case that
// never answers fails at its deadline without being shrunk, and a case that blocks the event loop
// is named by the watchdog, which ends the process. CI saw a fuzz file sit for the runner's whole
// 10 minutes with nothing printed; these prove such a hang now ends early and says where.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import fc from 'fast-check'
import { fuzz } from './fuzz.harness.ts'

test('a case that never answers fails at its deadline and is reported as generated, not shrunk', async () => {
  let calls = 0
  const seen: number[] = []
  const hanging = (n: number) => {
    calls++
    seen.push(n)
    // The third case hangs. Shrinking it would run smaller values, each waiting out its own deadline.
    return calls === 3 ? new Promise<void>(() => {}) : Promise.resolve()
  }
  await assert.rejects(fuzz('harness: a hang', 20, fc.nat(), hanging, { caseTimeoutMs: 300 }), (err: Error) => {
    assert.match(err.message, /no answer within 0\.3 s/)
    assert.match(err.message, /\(0 shrinks\)/)
    assert.match(err.message, new RegExp(`counterexample: \\[${seen[2]}\\]`), 'the hung case itself is the counterexample')
    return true
  })
  assert.equal(calls, 3, 'no case ran after the hang')
})

function runChild(script: string): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  const watchdog = fileURLToPath(new URL('./fuzz.watchdog.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { fuzzWatchdog } from ${JSON.stringify(watchdog)}\n${script}`], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })))
}

test('a case that blocks the event loop is named by the watchdog, which ends the process', async () => {
  const blocked = await runChild(`
    fuzzWatchdog(1000).running('route X, case 7: the busy one')
    await new Promise((r) => setTimeout(r, 100))
    for (const end = Date.now() + 60_000; Date.now() < end;) {} // no timer can fire in here
  `)
  assert.equal(blocked.signal, 'SIGKILL', `the blocked process was ended (stderr: ${blocked.stderr})`)
  assert.match(blocked.stderr, /fuzz watchdog: the event loop has been blocked for \d+ s, in route X, case 7: the busy one/)
})

test('the watchdog leaves a healthy process alone and does not keep it alive', async () => {
  const healthy = await runChild(`
    fuzzWatchdog(1000).running('route Y, case 1')
    for (let i = 0; i < 6; i++) await new Promise((r) => setTimeout(r, 500)) // 3 s: past the limit, never blocked
  `)
  assert.deepEqual({ code: healthy.code, signal: healthy.signal }, { code: 0, signal: null }, healthy.stderr)
  assert.doesNotMatch(healthy.stderr, /watchdog/)
})
