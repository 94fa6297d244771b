import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { isPermissionDenied, SYSTEM_CONTEXT, withTx, type Db, type DbContext } from '../src/index.ts'
import { useDatabase } from './helpers.ts'

// Printer groups (docs/product.md §5.4), enforced by the database alone: every check here runs
// straight through Prisma under printforge_app, with no API in front and no `where` of our own.

const fx = useDatabase()
const ADMIN: DbContext = { actorId: 'user_gadmin', role: 'admin' }
const OPERATOR: DbContext = { actorId: 'user_gop', role: 'operator' }
// Group staff have no global role: their context is 'user', their grants are rows in the database.
const OP_A: DbContext = { actorId: 'user_op_a', role: 'user' }
const ADMIN_A: DbContext = { actorId: 'user_admin_a', role: 'user' }
const NOBODY: DbContext = { actorId: 'user_nobody', role: 'user' }

const register = (db: Db, model: 'X1C' | 'P1S' | 'A1' = 'X1C') =>
  withTx(db, ADMIN, (tx) =>
    tx.printer.create({
      data: {
        name: 'p', model, serial: randomBytes(6).toString('hex').toUpperCase(), host: '10.0.0.2',
        accessCodeCiphertext: new Uint8Array(24), accessCodeNonce: new Uint8Array(12), accessCodeKeyId: 'k1',
        status: { create: {} },
      },
      select: { id: true },
    }),
  ).then((p) => p.id)

const job = (ctx: DbContext, data: { printerId?: string; requestedModel?: 'X1C' | 'P1S' | 'A1' }) =>
  withTx(fx.db, ctx, (tx) =>
    tx.manufacturingJob.create({
      data: { ...data, fileKey: `models/${randomUUID()}/m.gcode.3mf`, fileName: 'm.gcode.3mf', fileBytes: 1n, fileSha256: '0'.repeat(64), createdBy: ctx.actorId ?? 'x' },
      select: { id: true },
    }),
  ).then((j) => j.id)

const event = (ctx: DbContext, jobId: string) =>
  withTx(fx.db, ctx, (tx) => tx.manufacturingJobEvent.create({ data: { jobId, toStatus: 'queued' }, select: { id: true } }))

describe('printer groups: group staff reach their groups only, in the database', () => {
  let a: string, b: string, loose: string, groupA: string, groupB: string
  let jobA: string, jobB: string, jobLoose: string, anyX1C: string, anyA1: string

  before(async () => {
    a = await register(fx.db, 'X1C')
    b = await register(fx.db, 'P1S')
    loose = await register(fx.db, 'A1')
    await withTx(fx.db, ADMIN, async (tx) => {
      groupA = (await tx.printerGroup.create({ data: { name: 'room A', createdBy: 'user_gadmin' } })).id
      groupB = (await tx.printerGroup.create({ data: { name: 'room B', createdBy: 'user_gadmin' } })).id
      await tx.printerGroupMember.createMany({ data: [{ groupId: groupA, printerId: a, addedBy: 'x' }, { groupId: groupB, printerId: b, addedBy: 'x' }] })
      await tx.staffGroupRole.createMany({
        data: [
          { userId: OP_A.actorId!, groupId: groupA, role: 'operator', grantedBy: 'x' },
          { userId: ADMIN_A.actorId!, groupId: groupA, role: 'admin', grantedBy: 'x' },
          // B has staff of its own: A's staff must not see B through them.
          { userId: 'user_admin_b', groupId: groupB, role: 'admin', grantedBy: 'x' },
        ],
      })
    })
    jobA = await job(ADMIN, { printerId: a })
    jobB = await job(ADMIN, { printerId: b })
    jobLoose = await job(ADMIN, { printerId: loose })
    anyX1C = await job(ADMIN, { requestedModel: 'X1C' })
    anyA1 = await job(ADMIN, { requestedModel: 'A1' })
    for (const id of [jobA, jobB]) await event(ADMIN, id)
  })

  test("an operator of group A reads A's printer, its status and its jobs, and nothing of B or of no group", async () => {
    await withTx(fx.db, OP_A, async (tx) => {
      assert.deepEqual((await tx.printer.findMany({ select: { id: true } })).map((p) => p.id), [a])
      assert.deepEqual((await tx.printerStatus.findMany({ select: { printerId: true } })).map((s) => s.printerId), [a])
      assert.equal(await tx.printer.findUnique({ where: { id: b } }), null)
      assert.equal(await tx.printerStatus.findUnique({ where: { printerId: b } }), null)
      assert.equal(await tx.printer.findUnique({ where: { id: loose } }), null)
      const jobs = (await tx.manufacturingJob.findMany({ select: { id: true } })).map((j) => j.id).sort()
      // A's job, and the unassigned "any X1C" job (group A holds an X1C); not "any A1".
      assert.deepEqual(jobs, [jobA, anyX1C].sort())
      assert.equal(await tx.manufacturingJob.findUnique({ where: { id: jobB } }), null)
      assert.deepEqual([...new Set((await tx.manufacturingJobEvent.findMany()).map((e) => e.jobId))], [jobA])
    })
  })

  test('global staff still see every printer and job; a user with no grant sees none', async () => {
    for (const ctx of [OPERATOR, ADMIN, SYSTEM_CONTEXT]) {
      const ids = await withTx(fx.db, ctx, (tx) => tx.printer.findMany({ select: { id: true } }))
      assert.ok([a, b, loose].every((id) => ids.some((p) => p.id === id)), `${ctx.role} misses a printer`)
      assert.equal(await withTx(fx.db, ctx, (tx) => tx.manufacturingJob.count({ where: { id: { in: [jobA, jobB, jobLoose, anyA1] } } })), 4)
    }
    await withTx(fx.db, NOBODY, async (tx) => {
      assert.equal(await tx.printer.count(), 0)
      assert.equal(await tx.printerStatus.count(), 0)
      assert.equal(await tx.manufacturingJob.count(), 0)
      assert.equal(await tx.manufacturingJobEvent.count(), 0)
    })
  })

  test("a group role is read from the database, not from the context: another user's id sees nothing of it", async () => {
    // The same 'user' context with a customer's role is not a group member either.
    for (const ctx of [{ actorId: OP_A.actorId, role: 'customer' } as DbContext, { actorId: 'user_stranger', role: 'user' } as DbContext]) {
      assert.equal(await withTx(fx.db, ctx, (tx) => tx.printer.count()), 0, `${ctx.role} sees group A`)
    }
  })

  test("group staff cancel A's jobs only, and cannot move a job out of their groups", async () => {
    const cancel = (ctx: DbContext, id: string) => withTx(fx.db, ctx, (tx) => tx.manufacturingJob.updateMany({ where: { id }, data: { status: 'cancelled' } }))
    assert.equal((await cancel(OP_A, jobB)).count, 0)
    assert.equal((await cancel(OP_A, anyX1C)).count, 0, 'an unassigned job is read-only for group staff')
    await assert.rejects(
      withTx(fx.db, OP_A, (tx) => tx.manufacturingJob.update({ where: { id: jobA }, data: { printerId: b }, select: { id: true } })),
      isPermissionDenied,
    )
    await assert.rejects(event(OP_A, jobB), isPermissionDenied)
    const fresh = await job(ADMIN, { printerId: a })
    assert.equal((await cancel(OP_A, fresh)).count, 1)
    await event(OP_A, fresh)
  })

  test('a group admin dispatches to its own printers only, always naming one; an operator does not dispatch', async () => {
    await job(ADMIN_A, { printerId: a })
    await assert.rejects(job(ADMIN_A, { printerId: b }), isPermissionDenied)
    await assert.rejects(job(ADMIN_A, { printerId: loose }), isPermissionDenied)
    await assert.rejects(job(ADMIN_A, { requestedModel: 'X1C' }), isPermissionDenied)
    await assert.rejects(job(OP_A, { printerId: a }), isPermissionDenied)
  })

  test('group staff neither register, edit nor remove printers, nor write live state', async () => {
    for (const ctx of [OP_A, ADMIN_A]) {
      await withTx(fx.db, ctx, async (tx) => {
        assert.equal((await tx.printer.updateMany({ where: { id: a }, data: { host: '10.6.6.6' } })).count, 0)
        assert.equal((await tx.printer.deleteMany({ where: { id: a } })).count, 0)
        assert.equal((await tx.printerStatus.updateMany({ where: { printerId: a }, data: { online: true } })).count, 0)
      })
    }
  })

  test('only global admins (and the system) manage groups, members and grants', async () => {
    for (const ctx of [OP_A, ADMIN_A, OPERATOR]) {
      await assert.rejects(withTx(fx.db, ctx, (tx) => tx.printerGroup.create({ data: { name: `x${ctx.actorId}`, createdBy: 'x' } })), isPermissionDenied)
      await assert.rejects(withTx(fx.db, ctx, (tx) => tx.printerGroupMember.create({ data: { groupId: groupA, printerId: b, addedBy: 'x' } })), isPermissionDenied)
      await assert.rejects(
        withTx(fx.db, ctx, (tx) => tx.staffGroupRole.create({ data: { userId: ctx.actorId!, groupId: groupB, role: 'admin', grantedBy: 'x' } })),
        isPermissionDenied,
      )
      assert.equal((await withTx(fx.db, ctx, (tx) => tx.staffGroupRole.updateMany({ where: { groupId: groupA }, data: { role: 'admin' } }))).count, 0)
      assert.equal((await withTx(fx.db, ctx, (tx) => tx.printerGroup.deleteMany({ where: { id: groupA } }))).count, 0)
    }
    // A group member reads its own grants and groups, not other groups'.
    await withTx(fx.db, OP_A, async (tx) => {
      assert.deepEqual((await tx.printerGroup.findMany()).map((g) => g.id), [groupA])
      assert.deepEqual((await tx.staffGroupRole.findMany()).map((r) => r.userId), [OP_A.actorId])
      assert.deepEqual((await tx.printerGroupMember.findMany()).map((m) => m.printerId), [a])
    })
  })

  test('removing a printer from the group, or the grant, takes the access away at once', async () => {
    const p = await register(fx.db, 'X1C')
    await withTx(fx.db, ADMIN, (tx) => tx.printerGroupMember.create({ data: { groupId: groupA, printerId: p, addedBy: 'x' } }))
    assert.equal(await withTx(fx.db, OP_A, (tx) => tx.printer.count({ where: { id: p } })), 1)
    await withTx(fx.db, ADMIN, (tx) => tx.printerGroupMember.delete({ where: { groupId_printerId: { groupId: groupA, printerId: p } } }))
    assert.equal(await withTx(fx.db, OP_A, (tx) => tx.printer.count({ where: { id: p } })), 0)
    const other: DbContext = { actorId: 'user_temp', role: 'user' }
    await withTx(fx.db, ADMIN, (tx) => tx.staffGroupRole.create({ data: { userId: 'user_temp', groupId: groupB, role: 'operator', grantedBy: 'x' } }))
    assert.equal(await withTx(fx.db, other, (tx) => tx.printer.count({ where: { id: b } })), 1)
    await withTx(fx.db, ADMIN, (tx) => tx.staffGroupRole.delete({ where: { userId_groupId: { userId: 'user_temp', groupId: groupB } } }))
    assert.equal(await withTx(fx.db, other, (tx) => tx.printer.count({ where: { id: b } })), 0)
  })
})
