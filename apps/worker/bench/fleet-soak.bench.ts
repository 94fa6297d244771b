// Fleet soak (docs/architecture.md, "Printer leases"): three worker processes (the built worker, as
// deployed) share FLEET_PRINTERS virtual printers (default 500) reporting once a second, every
// report a change (as if all were printing), so every report is a status write to PostgreSQL.
// Prints: time from a cold start until every printer is held and online, end-to-end status lag
// (a printer's report → visible through GET /printers/:id of the API over HTTP), CPU and RSS per
// worker and PostgreSQL's CPU over the steady state, and the time to rebalance after SIGKILL of
// the busiest worker. Targets: online ≤ 10 s, lag p99 ≤ 1 s, failover ≤ 30 s.
import { createHmac, randomBytes } from 'node:crypto'
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildApp } from '@printforge/api'
import { ApiEnvSchema, loadConfig, refineApiConfig } from '@printforge/config'
import { createPrismaClient, SYSTEM_CONTEXT, withTx, type BambuModel } from '@printforge/db'
import { cpuMeter, createTestDatabase, serverOn, testEnvironment } from '@printforge/devstack'
import { encryptAccessCode, parsePrinterKeys } from '@printforge/printer-keys'
import { createBucket, workerConfig } from '../test/helper.ts'
import { caFile, spawnWorker, type WorkerProcess } from '../test/process.ts'
import type { FarmReply, FarmRequest } from './fleet-farm.ts'

const PRINTERS = Number(process.env['FLEET_PRINTERS'] ?? 500)
const WORKERS = 3
const STEADY_SECONDS = Number(process.env['FLEET_SECONDS'] ?? 60)
/** One marked report every this often during the steady state. */
const MARK_EVERY_MS = 100

const stepTimer = setTimeout(() => { console.error('fleet soak: timed out'); process.exit(1) }, (STEADY_SECONDS + 420) * 1000)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

// ---- services: a database of its own, the farm in a child process, the API in this one
const stack = testEnvironment()
const database = await createTestDatabase()
const { bucket } = await createBucket()
const config = workerConfig({ appUrl: database.appUrl, bucket }, { WORKER_QUEUES: 'prints' })
const db = createPrismaClient({ url: database.appUrl, poolMax: 4 })

const farmProcess = fork(fileURLToPath(new URL('./fleet-farm.ts', import.meta.url)), [String(PRINTERS)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const replies: Array<(m: FarmReply) => boolean> = []
farmProcess.on('message', (m: FarmReply) => {
  const i = replies.findIndex((accept) => accept(m))
  if (i >= 0) replies.splice(i, 1)
})
const ask = <T extends FarmReply['type']>(request: FarmRequest, type: T) =>
  new Promise<Extract<FarmReply, { type: T }>>((resolve) => {
    replies.push((m) => (m.type === type ? (resolve(m as Extract<FarmReply, { type: T }>), true) : false))
    farmProcess.send(request)
  })
const farm = await new Promise<Extract<FarmReply, { type: 'ready' }>>((resolve, reject) => {
  replies.push((m) => (m.type === 'ready' ? (resolve(m), true) : false))
  farmProcess.once('exit', (code) => reject(new Error(`farm exited with ${code}`)))
})
console.log(`farm: ${farm.printers.length} virtual printers (X1C, P1S, A1) reporting 1/s in child process ${farmProcess.pid}`)

const keyring = parsePrinterKeys(config.PRINTER_KEYS)
const printerIds = await withTx(db, SYSTEM_CONTEXT, async (tx) => {
  const ids: string[] = []
  for (const [i, p] of farm.printers.entries()) {
    const code = encryptAccessCode(keyring, p.accessCode, p.serial)
    const row = await tx.printer.create({
      data: { name: `soak-${String(i).padStart(3, '0')}`, model: p.model as BambuModel, serial: p.serial, host: p.host, mqttPort: p.mqttPort, ftpsPort: 990, accessCodeCiphertext: new Uint8Array(code.ciphertext), accessCodeNonce: new Uint8Array(code.nonce), accessCodeKeyId: code.keyId },
      select: { id: true },
    })
    ids.push(row.id)
  }
  // One operator per printer: the API limits each caller to 100 requests a minute, and a marker's
  // polling must not be refused for someone else's.
  await tx.staff.createMany({ data: ids.map((_, i) => ({ userId: `user_soak_${i}`, role: 'operator' as const, grantedBy: 'bench' })) })
  return ids
})

const jwtSecret = randomBytes(32).toString('base64url')
const api = await buildApp({
  config: loadConfig(ApiEnvSchema, {
    NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.appUrl, REDIS_URL: config.REDIS_URL, S3_ENDPOINT: stack.s3.endpoint, S3_BUCKET: bucket,
    S3_ACCESS_KEY_ID: stack.s3.accessKeyId, S3_SECRET_ACCESS_KEY: stack.s3.secretAccessKey, ALLOWED_ORIGINS: 'https://shop.example.com', JWT_SECRET: jwtSecret,
    PRINTER_KEYS: config.PRINTER_KEYS,
  }, refineApiConfig),
  queuePrefix: `pfsoak${randomBytes(3).toString('hex')}`,
})
const base = await api.listen({ host: '127.0.0.1', port: 0 })

// ---- cold start: three workers at once, until every printer is held, connected once and online
const leaseRows = () => withTx(db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw<Array<{ holder: string | null; live: boolean }>>`SELECT holder::text AS holder, expires_at > now() AS live FROM printer_leases`)
const onlineCount = async () => Number((await withTx(db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM printer_status WHERE online`))[0]?.n ?? 0)
const extra = { QUEUE_PREFIX: `pfsoak${randomBytes(3).toString('hex')}`, PRINTER_EXTRA_CA: await caFile(farm.caPem), LOG_LEVEL: 'info' }
const coldStart = Date.now()
const workers: WorkerProcess[] = await Promise.all(Array.from({ length: WORKERS }, () => spawnWorker(config, extra, 'dist')))
const started = Date.now() - coldStart
// Two moments: every printer held, connected once and online (by anyone); and the same with the
// printers spread evenly over the three workers (no member above ceil(printers / workers)), so no
// hand-back, and no second connection of a printer, is still to come.
let heldAndOnline: number | null = null
let settled: number
const fairShare = Math.ceil(PRINTERS / WORKERS)
for (;;) {
  const [rows, online, clients] = await Promise.all([leaseRows(), onlineCount(), ask({ type: 'clients' }, 'clients')])
  const live = rows.filter((l) => l.live)
  if (live.length === PRINTERS && online === PRINTERS && clients.one === PRINTERS) {
    heldAndOnline ??= Date.now() - coldStart
    const spread = countBy(live.map((l) => l.holder ?? 'none'))
    if (spread.size === WORKERS && Math.max(...spread.values()) <= fairShare) {
      settled = Date.now() - coldStart
      break
    }
  }
  if (Date.now() - coldStart > 180_000) throw new Error(`after 180 s: ${live.length} leases, ${online} online, ${clients.one} printers with one client`)
  await sleep(100)
}
const spread = countBy((await leaseRows()).map((l) => l.holder ?? 'none'))
const connects = await ask({ type: 'clients' }, 'clients')
console.log(`cold start: ${WORKERS} workers started in ${seconds(started)}; all ${PRINTERS} printers held, connected once and online after ${seconds(heldAndOnline)}, spread evenly (${[...spread.values()].join(' / ')}) after ${seconds(settled)} (target ≤ 10 s); ${connects.connects} MQTT connections for ${PRINTERS} printers`)

// Where a cold start's time goes, from each worker's log: its first leases, and "worker started".
for (const [i, w] of workers.entries()) {
  const at = (msg: string | null) => {
    const line = w.output().split('\n').find((l) => l.startsWith('{') && (msg === null || l.includes(`"msg":"${msg}"`)))
    const time = line ? (JSON.parse(line) as { time?: string }).time : undefined
    return time === undefined ? '–' : seconds(Date.parse(time) - coldStart)
  }
  console.log(`  worker ${i + 1}: first log line at ${at(null)}, leases acquired at ${at('printer leases acquired')}, started at ${at('worker started')}`)
}

// ---- steady state: marked reports timed until GET /printers/:id shows them
await sleep(5_000) // the rebalance after the cold start settles
const meter = cpuMeter({
  ...Object.fromEntries(workers.map((w, i) => [`worker ${i + 1}`, () => [w.child.pid!]])),
  postgres: serverOn('postgres', stack.postgresPort),
  'farm (child)': () => [farmProcess.pid!],
  'API + bench': () => [process.pid],
})
const lags: number[] = []
let missed = 0
let marks = 0
const pending: Promise<void>[] = []
meter.start()
const t0 = Date.now()
for (let n = 0; Date.now() - t0 < STEADY_SECONDS * 1000; n++) {
  const index = n % PRINTERS
  // Consecutive markers of one printer differ (500 + 1 is not a multiple of 90).
  const celsius = 150 + ((n + Math.floor(n / PRINTERS)) % 90)
  pending.push(ask({ type: 'mark', index, celsius }, 'marked').then(async ({ sentAt }) => {
    marks++
    const seen = await visible(index, celsius, sentAt + 10_000)
    if (seen === null) missed++
    else lags.push(seen - sentAt)
  }))
  await sleep(MARK_EVERY_MS)
}
await Promise.all(pending)
const wallMs = Date.now() - t0
const cpu = meter.stop()
const rss = workers.map((w) => rssMiB(w.child.pid!))
lags.sort((a, b) => a - b)
console.log(`steady state: ${seconds(wallMs)}, ${PRINTERS} printers × 1 report/s, every report a change; ${marks} marked reports, ${missed} not visible within 10 s`)
console.log(`end-to-end status lag (report → GET /printers/:id): p50 ${pct(lags, 50)} ms, p99 ${pct(lags, 99)} ms, max ${lags.at(-1)} ms (target p99 ≤ 1000 ms)`)
for (const [name, ms] of Object.entries(cpu)) {
  const i = name.startsWith('worker ') ? Number(name.slice(7)) - 1 : -1
  console.log(`  ${name.padEnd(14)} CPU ${((ms / wallMs) * 100).toFixed(1).padStart(5)} % of one core${i >= 0 ? `, rss ${rss[i]} MiB` : ''}`)
}

// ---- failover: SIGKILL the worker holding the most leases
const holders = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw<Array<{ id: string; pid: number }>>`SELECT id::text, pid FROM worker_members`)
const busiest = [...countBy((await leaseRows()).map((l) => l.holder ?? 'none')).entries()].sort((a, b) => b[1] - a[1])[0]!
const victimPid = holders.find((h) => h.id === busiest[0])?.pid
const victim = workers.find((w) => w.child.pid === victimPid)
if (!victim) throw new Error('the busiest lease holder is not one of the spawned workers')
const killedAt = Date.now()
await victim.kill('SIGKILL')
let rebalanced: number
for (;;) {
  const [rows, clients] = await Promise.all([leaseRows(), ask({ type: 'clients' }, 'clients')])
  const live = rows.filter((l) => l.live && l.holder !== busiest[0])
  if (live.length === PRINTERS && clients.one === PRINTERS) {
    rebalanced = Date.now() - killedAt
    break
  }
  if (Date.now() - killedAt > 120_000) throw new Error(`after 120 s: ${live.length} printers held by survivors, ${clients.one} connected once`)
  await sleep(100)
}
const clients = await ask({ type: 'clients' }, 'clients')
console.log(`failover: SIGKILL of the worker holding ${busiest[1]} printers; all ${PRINTERS} held by the survivors and connected again after ${seconds(rebalanced)} (target ≤ 30 s)`)
console.log(`sessions: ${clients.several} printers with more than one client now; ${clients.extraClients} second clients refused by the printers during the whole run`)

// ---- clean-up
await Promise.all(workers.map((w) => w.kill('SIGTERM')))
await api.close()
farmProcess.send({ type: 'stop' } satisfies FarmRequest)
await new Promise((r) => farmProcess.once('exit', r))
await db.$disconnect()
await database.drop()
clearTimeout(stepTimer)
const ok = pct(lags, 99) <= 1000 && settled <= 10_000 && rebalanced <= 30_000 && missed === 0 && clients.extraClients === 0
process.exit(ok ? 0 : 1)

/** When GET /printers/:id first shows `celsius` as the nozzle temperature; null at the deadline. */
async function visible(index: number, celsius: number, deadline: number): Promise<number | null> {
  const authorization = `Bearer ${staffToken(`user_soak_${index}`)}`
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/printers/${printerIds[index]}`, { headers: { authorization } })
    const body = (await res.json()) as { printer?: { temperatures: { nozzle: number | null } } }
    if (body.printer?.temperatures.nozzle === celsius) return Date.now()
    await sleep(25)
  }
  return null
}

/** A Medusa-shaped HS256 user token, signed here (the bench is its own Medusa). */
function staffToken(actorId: string): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ actor_id: actorId, actor_type: 'user', auth_identity_id: `authid_${actorId}`, app_metadata: {}, user_metadata: {}, iat: now, exp: now + 3600 })}`
  return `${body}.${createHmac('sha256', jwtSecret).update(body).digest('base64url')}`
}

function rssMiB(pid: number): number {
  const kib = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  return Math.round(kib / 1024)
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return counts
}
