// Services run without HTTP: each takes only the dependencies it uses, so a test hands it a
// database and a fake queue and checks the business flow itself — here, the two enqueue
// policies of packages/jobs/src/catalog.ts as the services apply them.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createPrismaClient, SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { createTestDatabase, type TestDatabase } from '@printforge/devstack'
import { AppError } from '@printforge/errors'
import { enqueueAfterCommit, type QueueMap } from '@printforge/jobs'
import { parsePrinterKeys } from '@printforge/printer-keys'
import type { Principal } from '../src/lib/principal.ts'
import { createManufacturingService } from '../src/services/manufacturing.service.ts'
import { createPrinterService } from '../src/services/printers.service.ts'
import type { EnqueueAfterCommit } from '../src/services/types.ts'

let database: TestDatabase
let db: Db
before(async () => {
  database = await createTestDatabase()
  db = createPrismaClient({ url: database.appUrl, poolMax: 4 })
  await withTx(db, SYSTEM_CONTEXT, (tx) => tx.staff.createMany({ data: [{ userId: admin.actorId, role: 'admin', grantedBy: 'test' }] }))
})
after(async () => {
  await db?.$disconnect()
  await database?.drop()
})

const admin: Principal = { actorType: 'user', actorId: 'user_service_admin', role: 'admin' }
const keyring = parsePrinterKeys(`k1:${randomBytes(32).toString('base64')}`)
const logged: object[] = []
const log = { warn: (obj: object) => void logged.push(obj) }

/** A queue whose Redis is down: every add fails. */
const downQueues = { scans: { add: failAdd }, prints: { add: failAdd }, maintenance: { add: failAdd } } as unknown as QueueMap
async function failAdd(): Promise<never> {
  throw new Error('connect ECONNREFUSED')
}
const enqueueDown: EnqueueAfterCommit = (name, payload, key) => enqueueAfterCommit(downQueues, log, name, payload, key)

const audits = (action: string, targetId: string) =>
  withTx(db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { action, targetId }, orderBy: { id: 'asc' }, select: { details: true } }))

describe('services without HTTP', () => {
  test('printer.command is `reject`: with the queue down the operator gets 503, and the audit says it was not sent', async () => {
    const printers = createPrinterService({ db: { prisma: db }, keyring, enqueue: enqueueDown })
    const printer = await printers.register(admin, { name: 'p1', model: 'P1S', serial: '01P00A000000001', host: '10.0.0.5', accessCode: 'Ab3dE6g8' }, {})
    await assert.rejects(printers.command(admin, printer.id, 'pause', {}), (err: unknown) => err instanceof AppError && err.status === 503)
    assert.deepEqual((await audits('printer.controlled', printer.id)).map((a) => a.details), [{ command: 'pause' }, { command: 'pause', queued: false }])
  })

  test('print.cancel is `sweep`: with the queue down the cancel still answers, logs, and the job is cancelled', async () => {
    const manufacturing = createManufacturingService({ db: { prisma: db }, store: {} as never, enqueue: enqueueDown })
    const id = await withTx(db, SYSTEM_CONTEXT, async (tx) => {
      const job = await tx.manufacturingJob.create({
        data: {
          requestedModel: 'P1S', plate: 1, amsMapping: [], fileKey: 'models/x/model.gcode.3mf', fileName: 'x.gcode.3mf', fileBytes: 1n, fileSha256: 'a'.repeat(64),
          createdBy: admin.actorId, status: 'printing', taskId: 7, events: { create: { fromStatus: null, toStatus: 'queued' } },
        },
        select: { id: true },
      })
      return job.id
    })
    assert.deepEqual(await manufacturing.cancel(admin, id, {}), { id, status: 'cancelled' })
    assert.ok(logged.some((l) => (l as { job?: string }).job === 'print.cancel'), 'the failed enqueue is logged for the operator')
    assert.deepEqual((await audits('manufacturing.cancelled', id)).map((a) => (a.details as { from: string }).from), ['printing'])
  })
})
