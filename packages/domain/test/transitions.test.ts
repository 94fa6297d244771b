// movePrintJob (packages/domain/src/manufacturing/transition.ts) against a real database: the
// history row names the state really left, the audit row comes with the moves that are audited,
// a move from the wrong state changes nothing, and a move outside the table is a programming error.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createTestDatabase, type TestDatabase } from '@printforge/devstack'
import { createPrismaClient, SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { applyPrintMove, createPrintJob, failPrintJob, movePrintJob, SYSTEM_ACTOR } from '../src/index.ts'

let database: TestDatabase
let db: Db
before(async () => {
  database = await createTestDatabase()
  db = createPrismaClient({ url: database.appUrl, poolMax: 4 })
})
after(async () => {
  await db?.$disconnect()
  await database?.drop()
})

const sys = <T>(fn: Parameters<typeof withTx<T>>[2]) => withTx(db, SYSTEM_CONTEXT, fn)

async function newJob(): Promise<string> {
  const id = randomUUID()
  await sys((tx) => createPrintJob(tx, {
    id, printerId: null, requestedModel: 'P1S', scanJobId: null, plate: 1, useAms: false, amsMapping: [], bedLeveling: true, timelapse: false, filaments: null,
    fileKey: `models/${id}/model.gcode.3mf`, file: { name: 'm.gcode.3mf', bytes: 10, sha256: 'a'.repeat(64) }, entries: 3,
  }, SYSTEM_ACTOR, {}))
  return id
}

const events = (id: string) => sys((tx) => tx.manufacturingJobEvent.findMany({ where: { jobId: id }, orderBy: { id: 'asc' }, select: { fromStatus: true, toStatus: true } }))
const audits = (id: string) => sys((tx) => tx.auditLog.findMany({ where: { targetId: id }, orderBy: { id: 'asc' }, select: { action: true } }))

describe('print job moves', () => {
  test('a named move writes its history row, and its audit row when the move is audited', async () => {
    const id = await newJob()
    for (const move of ['claim', 'recordTask', 'confirmStart', 'complete'] as const) {
      assert.equal((await sys((tx) => applyPrintMove(tx, move, { jobId: id }))).moved, true, move)
    }
    assert.deepEqual((await events(id)).map((e) => [e.fromStatus, e.toStatus]), [
      [null, 'queued'], ['queued', 'uploading'], ['uploading', 'starting'], ['starting', 'printing'], ['printing', 'completed'],
    ])
    assert.deepEqual((await audits(id)).map((a) => a.action), ['manufacturing.created', 'manufacturing.started', 'manufacturing.completed'])
  })

  test('a move from a state the job is not in changes nothing and says where the job is', async () => {
    const id = await newJob()
    assert.deepEqual(await sys((tx) => applyPrintMove(tx, 'confirmStart', { jobId: id })), { moved: false, current: 'queued' })
    assert.deepEqual(await sys((tx) => failPrintJob(tx, id, { code: 'X', reason: 'y' }, 'failPrint')), { moved: false, current: 'queued' })
    assert.deepEqual(await sys((tx) => applyPrintMove(tx, 'claim', { jobId: randomUUID() })), { moved: false, current: null })
    assert.equal((await events(id)).length, 1)
  })

  test('a move outside the state table is refused before it touches the row', async () => {
    const id = await newJob()
    await assert.rejects(sys((tx) => movePrintJob(tx, { jobId: id, from: ['queued'], to: 'completed' })), /not in the table/)
    assert.equal((await events(id)).length, 1)
  })
})
