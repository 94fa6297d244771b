// Soak benchmark (docs/product.md §10): one client process holds 500 virtual printers reporting once a
// second. Prints connect time, status lag p50/p99, and the client process's CPU and memory.
// The printers run in a child process; only 127.0.0.1 is used. Duration: SOAK_SECONDS (default 60).
import { fork } from 'node:child_process'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createPrinterSession, type BambuModel, type BambuPrinter } from '@printforge/bambu'

const PRINTERS = Number(process.env.SOAK_PRINTERS ?? 500)
const STEADY_SECONDS = Number(process.env.SOAK_SECONDS ?? 60)

interface FarmInfo {
  type: 'ready'
  caPem: string
  printers: Array<{ serial: string; model: BambuModel; accessCode: string; host: string; mqttPort: number }>
}

const child = fork(fileURLToPath(new URL('./soak-farm.ts', import.meta.url)), [String(PRINTERS)], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
const killTimer = setTimeout(() => { console.error('soak: timed out'); child.kill('SIGKILL'); process.exit(1) }, (STEADY_SECONDS + 240) * 1000)
const farmStarted = Date.now()
const info = await new Promise<FarmInfo>((resolve, reject) => {
  child.once('message', (m) => resolve(m as FarmInfo))
  child.once('exit', (code) => reject(new Error(`farm exited with ${code}`)))
})
console.log(`farm: ${info.printers.length} virtual printers started in ${((Date.now() - farmStarted) / 1000).toFixed(1)} s (child process ${child.pid})`)

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
let measuring = false
const lags: number[] = []
const sessions: BambuPrinter[] = info.printers.map((p) => {
  const s = createPrinterSession({ host: p.host, port: p.mqttPort, serial: p.serial, accessCode: p.accessCode, model: p.model, extraCaPems: [info.caPem] })
  s.on('status', () => {
    const sent = s.rawPrint.sim_sent_ms
    if (measuring && typeof sent === 'number') lags.push(Date.now() - sent)
  })
  return s
})

const connectStart = Date.now()
for (const s of sessions) s.start()
const allOnline = () => sessions.every((s) => s.state === 'online' && s.status.gcodeState !== null)
while (!allOnline()) {
  if (Date.now() - connectStart > 180_000) throw new Error(`only ${sessions.filter((s) => s.state === 'online').length} online after 180 s`)
  await new Promise((r) => setTimeout(r, 50))
}
const connectMs = Date.now() - connectStart
console.log(`connect: all ${sessions.length} sessions online with a first report in ${(connectMs / 1000).toFixed(2)} s`)

// Let the handshake burst settle before measuring the steady state.
await new Promise((r) => setTimeout(r, 3000))
const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()
const cpu0 = process.cpuUsage()
const t0 = Date.now()
measuring = true
await new Promise((r) => setTimeout(r, STEADY_SECONDS * 1000))
measuring = false
const wallMs = Date.now() - t0
const cpu = process.cpuUsage(cpu0)
loop.disable()
const mem = process.memoryUsage()
const sorted = lags.sort((a, b) => a - b)
const offline = sessions.filter((s) => s.state !== 'online').length
const dropped = sessions.reduce((n, s) => n + s.stats.malformed + s.stats.oversized + s.stats.foreignTopic, 0)

console.log(`steady state: ${STEADY_SECONDS} s, ${sorted.length} status updates (${(sorted.length / (wallMs / 1000)).toFixed(0)}/s), ${offline} sessions not online, ${dropped} dropped messages`)
console.log(`status lag: p50 ${pct(sorted, 50)} ms, p99 ${pct(sorted, 99)} ms, max ${sorted.at(-1)} ms (target p99 ≤ 1000 ms)`)
console.log(`client CPU: ${(((cpu.user + cpu.system) / 1000 / wallMs) * 100).toFixed(1)} % of one core (user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s)`)
console.log(`client memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB; event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`)

await Promise.all(sessions.map((s) => s.close()))
child.send('stop')
await new Promise((r) => child.once('exit', r))
clearTimeout(killTimer)
process.exit(pct(sorted, 99) <= 1000 && offline === 0 ? 0 : 1)
