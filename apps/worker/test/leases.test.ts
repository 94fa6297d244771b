// Printer leases (docs/architecture.md, "Printer leases"): the statements' rules against the real
// database, then two workers sharing a farm — spread, rebalanced when one joins mid-dispatch, handed
// over when one leaves, every command sent once by whoever holds the printer, never two sessions.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx, type DbContext } from '@printforge/db'
import { acquireLeases, assertLease, LeaseLostError, releaseLeases, renewLeases, writePrinterStatuses, type PrinterStatusFields } from '@printforge/domain'
import { enqueue } from '@printforge/jobs'
import type { RunningWorker } from '../src/worker.ts'
import { assertAuditVerifies, createPrintJob, printJob, registerPrinter, startTestWorker, useFarm, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'

const env = useWorkerEnv()
const farm = useFarm(Array.from({ length: 6 }, (_, i) => ({ model: i % 2 ? 'P1S' as const : 'X1C' as const })), 30)
const FAST = { ttlMs: 3_000, tickMs: 250, memberTtlMs: 900 }
const sys = <T>(fn: Parameters<typeof withTx<T>>[2]) => withTx(env.db, SYSTEM_CONTEXT, fn)

let printerIds: string[] = []
const registered = async () => {
  if (printerIds.length === 0) printerIds = await Promise.all(farm.farm.printers.map((p) => registerPrinter(env, p)))
  return printerIds
}

/** Samples every virtual printer's connected MQTT clients; `max()` is the most any printer had at once. */
function watchSessions() {
  let max = 0
  const timer = setInterval(() => {
    for (const p of farm.farm.printers) max = Math.max(max, p.connectedClients)
  }, 5)
  return { max: () => max, stop: () => clearInterval(timer) }
}

const held = (w: RunningWorker) => w.leases!.heldIds().length

describe('the lease statements', () => {
  test('one holder at a time; a new holder only after expiry, with a new fence; the old fence is refused', async () => {
    const [p1, p2] = await registered()
    const a = randomUUID()
    const b = randomUUID()
    try {
      const got = await sys((tx) => acquireLeases(tx, a, [p1!, p2!], 60_000))
      assert.equal(got.length, 2)
      assert.deepEqual(await sys((tx) => acquireLeases(tx, b, [p1!], 60_000)), [], 'held and unexpired: not taken')
      const fence1 = got.find((l) => l.printerId === p1)!.fence
      await sys((tx) => assertLease(tx, p1!, a, fence1))
      await assert.rejects(sys((tx) => assertLease(tx, p1!, b, fence1)), LeaseLostError)

      await sys((tx) => tx.$executeRaw`UPDATE printer_leases SET expires_at = now() - interval '1 second' WHERE printer_id = ${p1}::uuid`)
      assert.deepEqual((await sys((tx) => renewLeases(tx, a, got, 60_000))).map((l) => l.printerId), [p2], 'an expired lease is not renewed')
      const [taken] = await sys((tx) => acquireLeases(tx, b, [p1!], 60_000))
      assert.equal(taken?.fence, fence1 + 1n)
      await assert.rejects(sys((tx) => assertLease(tx, p1!, a, fence1)), LeaseLostError, 'the old holder decides nothing')
      await sys((tx) => assertLease(tx, p1!, b, taken!.fence))
    } finally {
      await sys(async (tx) => {
        await releaseLeases(tx, a, printerIds)
        await releaseLeases(tx, b, printerIds)
      })
    }
  })

  test('status rows are fenced: a worker writes a printer held by no one or by itself, never one another live worker holds', async () => {
    const [p1, p2, p3] = await registered()
    const a = randomUUID()
    const b = randomUUID()
    const fields = (nozzleTemp: number, online = true): PrinterStatusFields => ({
      connection: online ? 'online' : 'offline', online, controlEnabled: true, gcodeState: 'RUNNING', progress: 10, remainingMinutes: 5, layer: 1, totalLayers: 9,
      nozzleTemp, bedTemp: 60, chamberTemp: null, taskId: null, errors: [], ams: [],
    })
    const nozzle = async (id: string) => (await sys((tx) => tx.printerStatus.findUnique({ where: { printerId: id } })))?.nozzleTemp
    try {
      await sys((tx) => acquireLeases(tx, a, [p1!], 60_000))
      await sys((tx) => acquireLeases(tx, b, [p2!], 60_000))
      const seen = new Date()
      const written = await sys((tx) => writePrinterStatuses(tx, a, [p1!, p2!, p3!].map((printerId) => ({ printerId, fields: fields(201), lastSeenAt: seen }))))
      assert.deepEqual([...written].sort(), [p1!, p3!].sort(), "a's own printer and a free one are written; b's is not")
      assert.equal(await nozzle(p1!), 201)
      assert.notEqual(await nozzle(p2!), 201, "the row b's worker owns is untouched")
      assert.equal(await nozzle(p3!), 201)

      // b's lease expires: a (come back from a pause, say) may write it again.
      await sys((tx) => tx.$executeRaw`UPDATE printer_leases SET expires_at = now() - interval '1 second' WHERE printer_id = ${p2}::uuid`)
      assert.deepEqual([...(await sys((tx) => writePrinterStatuses(tx, a, [{ printerId: p2!, fields: fields(202), lastSeenAt: null }])))], [p2])
      assert.equal(await nozzle(p2!), 202)
      // The transition is computed from the stored row in the same statement: online → offline emits printer.offline once.
      const offlineEvents = () => sys((tx) => tx.webhookEvent.count({ where: { type: 'printer.offline', payload: { path: ['data', 'printerId'], equals: p1! } } }))
      const eventsBefore = await offlineEvents()
      await sys((tx) => writePrinterStatuses(tx, a, [{ printerId: p1!, fields: fields(203, false), lastSeenAt: null }]))
      await sys((tx) => writePrinterStatuses(tx, a, [{ printerId: p1!, fields: fields(204, false), lastSeenAt: null }]))
      assert.equal(await offlineEvents(), eventsBefore + 1)
      assert.equal((await sys((tx) => tx.printerStatus.findUnique({ where: { printerId: p1! } })))?.lastSeenAt?.getTime(), seen.getTime(), 'no report: lastSeenAt kept')
    } finally {
      await sys(async (tx) => {
        await releaseLeases(tx, a, printerIds)
        await releaseLeases(tx, b, printerIds)
      })
    }
  })

  test('staff may read who holds a printer; only the worker (system) may write', async () => {
    const [p1] = await registered()
    const operator: DbContext = { actorId: 'user_op', role: 'operator' }
    await withTx(env.db, operator, (tx) => tx.printerLease.findMany())
    await assert.rejects(withTx(env.db, operator, (tx) => acquireLeases(tx, randomUUID(), [p1!], 60_000)), /row-level security|permission/)
    const customer: DbContext = { actorId: 'cus_1', role: 'customer' }
    assert.deepEqual(await withTx(env.db, customer, (tx) => tx.printerLease.findMany()), [])
  })
})

describe('two workers share the farm', () => {
  test('spread evenly; a second worker joining mid-dispatch takes its share; each print sent once; never two sessions', async (t) => {
    const ids = await registered()
    const sessions = watchSessions()
    t.after(() => sessions.stop())
    const first = await startTestWorker(env, { leaseTiming: FAST, extraCaPems: [farm.farm.caPem] })
    t.after(() => first.close())
    await waitFor('the first worker holds all six', () => held(first) === 6 && farm.farm.printers.every((p) => p.connectedClients === 1), 20_000).catch((err: Error) => {
      throw new Error(`${err.message}: held ${held(first)}, clients ${farm.farm.printers.map((p) => p.connectedClients).join(',')}`)
    })

    // Slow uploads keep every dispatch in flight while the second worker joins.
    for (const p of farm.farm.printers) p.setFtpsSpeed(40_000)
    const jobs = await Promise.all(ids.map((printerId) => createPrintJob(env, { printerId, bytes: 400_000 })))
    await waitFor('all uploading', async () => (await Promise.all(jobs.map((id) => printJob(env, id)))).every((j) => j.status === 'uploading'), 20_000)
    const second = await startTestWorker(env, { leaseTiming: FAST, extraCaPems: [farm.farm.caPem] })
    t.after(() => second.close())
    await waitFor('three printers each', () => held(first) === 3 && held(second) === 3, 20_000)
    const moved = ids.filter((id) => second.leases!.holds(id))
    const stillUploading = (await Promise.all(moved.map((id) => printJob(env, jobs[ids.indexOf(id)]!)))).filter((j) => j.status === 'uploading').length
    assert.ok(stillUploading > 0, 'the rebalance happened while dispatches to the moved printers were uploading')
    for (const p of farm.farm.printers) p.setFtpsSpeed(null)

    for (const id of jobs) await waitForJobStatus(env, id, 'completed', 90_000)
    for (const p of farm.farm.printers) assert.equal(p.commands('print', 'project_file').length, 1, `${p.serial}: one print command`)
    assert.equal(sessions.max(), 1, 'no printer ever had two MQTT sessions')
    t.diagnostic(`dispatches uploading when their printer moved to the new worker: ${stillUploading} (each finished by the new holder)`)

    // A light command enqueued anywhere reaches the holder.
    const target = ids.find((id) => second.leases!.holds(id))!
    await enqueue(env.queues, 'printer.command', { printerId: target, command: 'light_on', requestId: randomUUID() }, `light-${target}`)
    const simTarget = farm.farm.printers[ids.indexOf(target)]!
    await waitFor('light command delivered', () => simTarget.commands('system', 'ledctrl').length > 0, 15_000)

    // The second leaves cleanly: the first takes everything back at once, still one session each.
    const left = Date.now()
    await second.close()
    await waitFor('the first holds all six again', () => held(first) === 6 && farm.farm.printers.every((p) => p.connectedClients === 1), 10_000)
    t.diagnostic(`handover after a clean shutdown: ${Date.now() - left} ms`)
    assert.equal(sessions.max(), 1)
    const audits = await sys((tx) => tx.auditLog.count({ where: { action: { in: ['printer.leased', 'printer.released'] } } }))
    assert.ok(audits >= 4, `lease changes audited (${audits})`)
    await assertAuditVerifies(env.db)
  })

  test('workers started together plan together: each printer connects once, to its final holder', async (t) => {
    await registered()
    const before = farm.farm.printers.map((p) => p.connections)
    // The first starts a moment ahead (as one container of three often does); all within the join wait.
    const start = () => startTestWorker(env, { leaseTiming: { ...FAST, memberTtlMs: 6_000, joinMs: 2_000 }, extraCaPems: [farm.farm.caPem] })
    const first = start()
    await new Promise((r) => setTimeout(r, 300))
    const workers = await Promise.all([first, start(), start()])
    t.after(() => Promise.all(workers.map((w) => w.close())))
    await waitFor('two printers each, one session each', () => workers.every((w) => held(w) === 2) && farm.farm.printers.every((p) => p.connectedClients === 1), 20_000)
    // A few more rounds: a member that had planned alone would hand printers back by now.
    await new Promise((r) => setTimeout(r, 4 * FAST.tickMs))
    assert.deepEqual(farm.farm.printers.map((p, i) => p.connections - before[i]!), [1, 1, 1, 1, 1, 1], 'MQTT connections per printer during the start')
  })
})
