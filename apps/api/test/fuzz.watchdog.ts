// A watchdog for the one hang a case timeout cannot catch: a case that blocks the event loop (a
// synchronous loop, or promises that resolve only into more promises) starves every timer, the
// case's deadline included, and the file would sit until the runner's 10-minute limit with no word
// of which case did it. A worker thread has its own event loop: it watches a heartbeat the main
// thread writes to shared memory and, when the heartbeat stops, prints the case and ends the process.
import { Worker } from 'node:worker_threads'

/** No heartbeat for this long means blocked: far above any pause of a healthy (if loaded) process. */
const BLOCKED_MS = 30_000
const BEAT_MS = 500

// Evaluated in the worker, as CommonJS or as a module (a worker inherits --input-type): hence
// getBuiltinModule, not require or import. `writeSync`: the process is about to be killed.
const WATCHER = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads')
const { writeSync } = process.getBuiltinModule('node:fs')
const beat = new Int32Array(workerData.beat)
let current = 'no case had started'
parentPort.on('message', (text) => { current = text })
setInterval(() => {
  const silentMs = Date.now() - workerData.base - Atomics.load(beat, 0)
  if (silentMs < workerData.blockedMs) return
  writeSync(2, '\\nfuzz watchdog: the event loop has been blocked for ' + Math.round(silentMs / 1000) + ' s, in ' + current + '\\n')
  process.kill(process.pid, 'SIGKILL')
}, 1000)
`

export interface Watchdog {
  /** Names the case now running: what the watchdog prints if the process blocks in it. */
  running(description: string): void
}

let watchdog: Watchdog | undefined

/** The process's watchdog, started on first use (`blockedMs` is for its own test); it never keeps the process alive. */
export function fuzzWatchdog(blockedMs = BLOCKED_MS): Watchdog {
  if (watchdog) return watchdog
  const base = Date.now()
  const shared = new SharedArrayBuffer(4)
  const beat = new Int32Array(shared)
  const tick = () => Atomics.store(beat, 0, Date.now() - base)
  tick()
  setInterval(tick, BEAT_MS).unref()
  const worker = new Worker(WATCHER, { eval: true, workerData: { beat: shared, base, blockedMs } })
  worker.unref()
  watchdog = { running: (description) => worker.postMessage(description) }
  return watchdog
}
