// The farm outgrows one worker (docs/architecture.md, "Printer leases"): three worker processes
// share 60 virtual printers. SIGKILL the one holding the most: its printers are held again by the
// others within 30 s, the prints running on them are followed to completion, no print command is
// sent twice, no printer ever has two MQTT sessions, and the audit chain verifies. SIGSTOP one
// mid-dispatch: it loses its leases, the others finish its work, and once resumed it sends nothing.
// Solo: three workers and 60 printers on two cores; its timings must not compete with other files.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { startPrinterFarm, type PrinterFarm, type PrinterModel } from '@printforge/printer-sim'
import { assertAuditVerifies, createPrintJob, printJob, registerPrinter, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'
import { caFile, spawnWorker, type WorkerProcess } from './process.ts'

const env = useWorkerEnv()
const MODELS: PrinterModel[] = ['X1C', 'P1S', 'A1']
const FAILOVER_LIMIT_MS = 30_000

interface Lease { printerId: string; holder: string | null; live: boolean }
const leases = () =>
  withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw<Lease[]>`
    SELECT printer_id::text AS "printerId", holder::text AS holder, expires_at > now() AS live FROM printer_leases`)
const members = () =>
  withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw<Array<{ id: string; pid: number }>>`
    SELECT id::text, pid FROM worker_members WHERE heartbeat_at > now() - interval '10 seconds'`)

test('three workers, 60 printers: SIGKILL the busiest mid-print, then SIGSTOP one mid-dispatch', async (t) => {
  const farm: PrinterFarm = await startPrinterFarm({ printers: Array.from({ length: 60 }, (_, i) => ({ model: MODELS[i % 3]! })), speed: 3, reportIntervalMs: 1_000 })
  t.after(() => farm.stop())
  const ids = await Promise.all(farm.printers.map((p, i) => registerPrinter(env, p, `farm-${String(i).padStart(2, '0')}`)))
  const simOf = new Map(ids.map((id, i) => [id, farm.printers[i]!]))
  let twoSessions = 0
  const sampler = setInterval(() => {
    for (const p of farm.printers) if (p.connectedClients > 1) twoSessions++
  }, 5)
  t.after(() => clearInterval(sampler))

  const ca = await caFile(farm.caPem)
  // Job locks outlast a lease (30 s > 15 s): a worker paused mid-dispatch still has its job when it
  // resumes, with the printer's lease gone — the case the fencing exists for.
  const extra = { QUEUE_PREFIX: env.prefix, WORKER_LOCK_MS: '30000', PRINTER_EXTRA_CA: ca }
  const workers: WorkerProcess[] = await Promise.all([0, 1, 2].map(() => spawnWorker(env.config, extra)))
  t.after(() => Promise.all(workers.map((w) => w.kill())))

  const coldStart = Date.now()
  await waitFor('all 60 held by three members and connected', async () => {
    const rows = await leases()
    const holders = new Set(rows.filter((l) => l.live).map((l) => l.holder))
    return rows.filter((l) => l.live).length === 60 && holders.size === 3 && farm.printers.every((p) => p.connectedClients === 1)
  }, 60_000, 250)
  t.diagnostic(`cold start: 60 printers held and connected ${Date.now() - coldStart} ms after the three workers started`)
  const spread = countBy((await leases()).map((l) => l.holder!))
  t.diagnostic(`spread: ${[...spread.values()].join(' / ')}`)
  assert.deepEqual([...spread.values()].sort(), [20, 20, 20])

  // Twelve prints, four on each worker's printers.
  const byHolder = new Map<string, string[]>()
  for (const l of await leases()) byHolder.set(l.holder!, [...(byHolder.get(l.holder!) ?? []), l.printerId])
  const printing = [...byHolder.values()].flatMap((printers) => printers.slice(0, 4))
  const jobs = await Promise.all(printing.map((printerId) => createPrintJob(env, { printerId })))
  for (const id of jobs) await waitForJobStatus(env, id, 'printing', 60_000)

  // SIGKILL the member holding the most printers (ties: any).
  const [busiest] = [...countBy((await leases()).filter((l) => l.live).map((l) => l.holder!))].sort((a, b) => b[1] - a[1])
  const victimPid = (await members()).find((m) => m.id === busiest![0])!.pid
  const victim = workers.find((w) => w.child.pid === victimPid)!
  const orphaned = (await leases()).filter((l) => l.holder === busiest![0]).map((l) => l.printerId)
  const killedAt = Date.now()
  await victim.kill('SIGKILL')
  await waitFor('every orphaned printer held by a survivor and connected', async () => {
    const rows = new Map((await leases()).map((l) => [l.printerId, l]))
    return orphaned.every((id) => {
      const l = rows.get(id)
      return l?.live && l.holder !== busiest![0] && simOf.get(id)!.connectedClients === 1
    })
  }, 60_000, 100)
  const failoverMs = Date.now() - killedAt
  t.diagnostic(`failover after SIGKILL: ${orphaned.length} printers held again in ${failoverMs} ms`)
  assert.ok(failoverMs <= FAILOVER_LIMIT_MS, `failover took ${failoverMs} ms`)
  assert.deepEqual([...countBy((await leases()).filter((l) => l.live).map((l) => l.holder!)).values()].sort(), [30, 30])

  for (const id of jobs) await waitForJobStatus(env, id, 'completed', 120_000)
  for (const printerId of printing) assert.equal(simOf.get(printerId)!.commands('print', 'project_file').length, 1, 'one print command per job')
  assert.equal(twoSessions, 0, 'no printer ever had two MQTT sessions')

  // SIGSTOP a survivor while it uploads a model, for longer than its leases last but shorter than its
  // job lock: once resumed it still has the job, no longer the printer — it must send nothing.
  const survivors = workers.filter((w) => w !== victim)
  const paused = survivors[0]!
  const pausedMember = (await members()).find((m) => m.pid === paused.child.pid)!.id
  const target = (await leases()).find((l) => l.holder === pausedMember)!.printerId
  const sim = simOf.get(target)!
  const sentBefore = sim.commands('print', 'project_file').length
  sim.setFtpsSpeed(100_000) // ~3 s for this model
  const job = await createPrintJob(env, { printerId: target, bytes: 300_000 })
  await waitForJobStatus(env, job, 'uploading', 30_000)
  paused.child.kill('SIGSTOP')
  const stoppedAt = Date.now()
  const sessionsBefore = twoSessions
  await waitFor('the paused worker\'s printers held by the other', async () => {
    const rows = await leases()
    return rows.filter((l) => l.live && l.holder === pausedMember).length === 0 && rows.every((l) => l.live)
  }, 60_000, 200)
  t.diagnostic(`a paused worker's printers held again after ${Date.now() - stoppedAt} ms`)
  sim.setFtpsSpeed(null)
  await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - (Date.now() - stoppedAt))))
  assert.equal((await printJob(env, job)).status, 'uploading', 'the paused worker still has the job')
  paused.child.kill('SIGCONT')
  await waitFor('the resumed worker let its leases go', () => /passed their deadline/.test(paused.output()), 20_000)
  await waitFor('the resumed worker handed the dispatch on unsent', () => /printer lease lost during the dispatch/.test(paused.output()), 30_000)
  await waitForJobStatus(env, job, 'completed', 120_000)
  t.diagnostic(`samples with two MQTT clients on one printer while a paused worker's socket stayed open: ${twoSessions - sessionsBefore}`)
  assert.equal(sim.commands('print', 'project_file').length, sentBefore + 1, 'the resumed worker sent nothing: one print command')
  assert.equal((await printJob(env, job)).events.filter((e) => e.toStatus === 'starting').length, 1)
  await assertAuditVerifies(env.db)
})

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return counts
}
