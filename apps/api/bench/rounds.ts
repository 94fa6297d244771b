// Interleaved rounds of closed-loop runs (c=50), each metered for CPU: the server's whole process tree
// (uvicorn's supervisor and workers included), the stack's PostgreSQL (postmaster and every backend),
// and the bench's Redis.
// Each configuration's figure is the median of its rounds, so a slow moment of the machine lands
// in one round of each configuration instead of in one configuration.
import { cpuMeter, processTree } from '@printforge/devstack'
import autocannon from 'autocannon'

export type Result = autocannon.Result
export const run = (options: autocannon.Options) =>
  new Promise<Result>((resolve, reject) => autocannon(options, (err, result) => (err ? reject(err) : resolve(result))))

export interface Peer {
  label: string
  /** The server's main process: its tree is metered. */
  pid: number
  options: autocannon.Options
  seconds: number
}

export interface Sample {
  rps: number
  p99: number
  non2xx: number
  /** CPU milliseconds per request. */
  api: number
  postgres: number
  redis: number
}

/** One metered closed-loop run of `peer` at c=50. */
export async function measure(peer: Peer, postgres: () => number[], redisPid: number): Promise<Sample> {
  const meter = cpuMeter({ api: () => processTree(peer.pid), postgres, redis: () => [redisPid] })
  meter.start()
  const r = await run({ ...peer.options, connections: 50, duration: peer.seconds })
  const cpu = meter.stop()
  const n = Math.max(1, r.requests.total)
  // A read peer should answer 200 only: say which statuses it answered otherwise, as they happen.
  if (r.non2xx > 0) console.log(`  note: ${peer.label} answered non-2xx: ${JSON.stringify((r as unknown as { statusCodeStats: unknown }).statusCodeStats)}`)
  return { rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx, api: (cpu['api'] ?? 0) / n, postgres: (cpu['postgres'] ?? 0) / n, redis: (cpu['redis'] ?? 0) / n }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The per-metric medians of a configuration's samples (non-2xx: the total over its rounds). */
export function medianOf(samples: Sample[]): Sample {
  const m = (key: keyof Sample) => median(samples.map((s) => s[key]))
  return { rps: m('rps'), p99: m('p99'), api: m('api'), postgres: m('postgres'), redis: m('redis'), non2xx: samples.reduce((sum, s) => sum + s.non2xx, 0) }
}

export function printTable(rows: { label: string; sample: Sample; rounds: number; seconds: number; hello?: boolean }[]) {
  const ms = (v: number) => v.toFixed(2).padStart(6)
  console.log(`${'configuration (median of rounds)'.padEnd(54)}   req/s    p99   API CPU  PG CPU  Redis CPU  non-2xx`)
  for (const { label, sample: s, rounds, seconds, hello } of rows) {
    const cpu = hello ? `${ms(s.api)}` : `${ms(s.api)}  ${ms(s.postgres)}     ${ms(s.redis)}`
    const name = `${label} (${rounds} × ${seconds} s)`
    console.log(`${name.padEnd(54)} ${s.rps.toFixed(0).padStart(7)} ${String(s.p99).padStart(4)} ms  ${cpu.padEnd(30)} ${s.non2xx}`)
  }
  console.log("(CPU in ms per request: API = all the server's processes; PG = the stack's postmaster and backends; Redis = the bench's redis-server)")
}
