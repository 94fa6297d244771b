// A staff cancel racing the worker on the same print job (docs/product.md §4.5). The worker's move
// holds the job's row lock while the cancel arrives; the cancel must act on the state the worker
// leaves, not on the one it read before: the history stays one chain, the audit row names the
// state really left, and the worker is asked to stop the print exactly when one may be running.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { applyPrintMove, type PrintMove } from '@printforge/domain'
import { jobIdFor } from '@printforge/jobs'
import { auditRows, multipart, useApi } from './helper.ts'
import { slicedProject } from './models.ts'

const api = useApi()

async function dispatched(): Promise<{ id: string; auth: Record<string, string> }> {
  const admin = await api.staff('admin')
  const body = multipart([{ name: 'model', value: 'P1S' }, { name: 'model', filename: 'benchy.gcode.3mf', content: await slicedProject(), contentType: 'application/octet-stream' }])
  const res = await api.app.inject({ method: 'POST', url: '/manufacturing/create', headers: { ...admin.auth, ...body.headers }, payload: body.payload })
  assert.equal(res.statusCode, 202, res.body)
  return { id: res.json().manufacturingJob.id, auth: admin.auth }
}

/** The worker's moves up to `starting` (claim without a printer row: the race is about the job row). */
async function moveAsWorker(id: string, moves: PrintMove[]) {
  for (const move of moves) {
    const result = await withTx(api.db, SYSTEM_CONTEXT, (tx) => applyPrintMove(tx, move, { jobId: id, data: move === 'recordTask' ? { taskId: 4242 } : {} }))
    assert.equal(result.moved, true, move)
  }
}

const history = async (id: string, auth: Record<string, string>) => {
  const res = await api.app.inject({ method: 'GET', url: `/manufacturing/${id}`, headers: auth })
  return (res.json().manufacturingJob.history as { from: string | null; to: string }[]).map((h) => [h.from, h.to])
}

/** Sessions waiting for a lock: the cancel has reached the row the worker holds. */
const lockWaiters = () => withTx(api.db, SYSTEM_CONTEXT, async (tx) => Number((await tx.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_locks WHERE NOT granted`)[0]?.n ?? 0))

const stopRequested = async (id: string) => Boolean(await api.app.queues.raw.prints.getJob(jobIdFor('print.cancel', id)))

describe('cancel racing the worker', () => {
  test('the worker confirms the start while the cancel waits: history, audit and the stop request follow the state it left', async () => {
    const { id, auth } = await dispatched()
    await moveAsWorker(id, ['claim', 'recordTask'])

    // The worker's confirmStart: moved, not yet committed, holding the row lock.
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => (locked = resolve))
    const worker = withTx(api.db, SYSTEM_CONTEXT, async (tx) => {
      const moved = await applyPrintMove(tx, 'confirmStart', { jobId: id, data: { startedAt: new Date() } })
      locked()
      await released
      return moved
    }, { timeoutMs: 30_000 })
    await isLocked

    const cancel = api.app.inject({ method: 'POST', url: `/manufacturing/${id}/cancel`, headers: auth })
    for (let i = 0; (await lockWaiters()) === 0; i++) {
      assert.ok(i < 200, 'the cancel never waited for the row lock')
      await sleep(25)
    }
    release()
    assert.equal((await worker).moved, true)
    const res = await cancel
    assert.equal(res.statusCode, 200, res.body)

    const chain = await history(id, auth)
    assert.deepEqual(chain, [[null, 'queued'], ['queued', 'uploading'], ['uploading', 'starting'], ['starting', 'printing'], ['printing', 'cancelled']])
    const [audit] = await auditRows(api, { action: 'manufacturing.cancelled', targetId: id })
    assert.equal((audit?.details as { from?: string })?.from, 'printing', 'the audit row names the state really left')
    assert.equal(await stopRequested(id), true, 'a running print is stopped by the worker')
  })

  test('the cancel commits first: the worker’s move finds the job cancelled and does not overwrite it', async () => {
    const { id, auth } = await dispatched()
    await moveAsWorker(id, ['claim', 'recordTask'])
    assert.equal((await api.app.inject({ method: 'POST', url: `/manufacturing/${id}/cancel`, headers: auth })).statusCode, 200)
    const late = await withTx(api.db, SYSTEM_CONTEXT, (tx) => applyPrintMove(tx, 'confirmStart', { jobId: id }))
    assert.deepEqual(late, { moved: false, current: 'cancelled' })
    assert.deepEqual((await history(id, auth)).at(-1), ['starting', 'cancelled'])
    // A task id was recorded: project_file may have been sent, so the worker must check the printer.
    assert.equal(await stopRequested(id), true)
  })

  test('a job cancelled while queued never reached a printer: no stop is requested', async () => {
    const { id, auth } = await dispatched()
    assert.equal((await api.app.inject({ method: 'POST', url: `/manufacturing/${id}/cancel`, headers: auth })).statusCode, 200)
    assert.deepEqual(await history(id, auth), [[null, 'queued'], ['queued', 'cancelled']])
    assert.equal(await stopRequested(id), false)
    const again = await api.app.inject({ method: 'POST', url: `/manufacturing/${id}/cancel`, headers: auth })
    assert.equal(again.statusCode, 409, 'a cancelled job cannot be cancelled again')
  })
})
