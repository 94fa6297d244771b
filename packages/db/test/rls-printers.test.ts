import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { isPermissionDenied, SYSTEM_CONTEXT, withTx, type Db, type DbContext } from '../src/index.ts'
import { useDatabase } from './helpers.ts'

const fx = useDatabase()
const OPERATOR: DbContext = { actorId: 'user_op', role: 'operator' }
const ADMIN: DbContext = { actorId: 'user_admin', role: 'admin' }

/** Registers a printer with its empty status row, as the API's register does. */
const register = (db: Db, context: DbContext) =>
  withTx(db, context, (tx) =>
    tx.printer.create({
      data: {
        name: 'p', model: 'X1C', serial: randomBytes(6).toString('hex').toUpperCase(), host: '10.0.0.2',
        accessCodeCiphertext: new Uint8Array(24), accessCodeNonce: new Uint8Array(12), accessCodeKeyId: 'k1',
        status: { create: {} },
      },
      select: { id: true },
    }),
  )

describe('printers: operators read, only admins and the system write (docs/product.md §4.4)', () => {
  test('an operator context reads printers but cannot create, edit or remove one', async () => {
    const { id } = await register(fx.db, ADMIN)
    assert.equal((await withTx(fx.db, OPERATOR, (tx) => tx.printer.findMany({ where: { id } }))).length, 1)
    await assert.rejects(register(fx.db, OPERATOR), isPermissionDenied)
    const edited = await withTx(fx.db, OPERATOR, (tx) => tx.printer.updateMany({ where: { id }, data: { host: '10.6.6.6' } }))
    assert.equal(edited.count, 0)
    const removed = await withTx(fx.db, OPERATOR, (tx) => tx.printer.deleteMany({ where: { id } }))
    assert.equal(removed.count, 0)
    const row = await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.printer.findUniqueOrThrow({ where: { id } }))
    assert.equal(row.host, '10.0.0.2')
  })

  test('admin and system contexts manage printers', async () => {
    for (const context of [ADMIN, SYSTEM_CONTEXT]) {
      const { id } = await register(fx.db, context)
      const edited = await withTx(fx.db, context, (tx) => tx.printer.updateMany({ where: { id }, data: { name: 'renamed' } }))
      assert.equal(edited.count, 1)
      const removed = await withTx(fx.db, context, (tx) => tx.printer.deleteMany({ where: { id } }))
      assert.equal(removed.count, 1)
    }
  })
})

describe('printer_status: the worker writes live state, registration creates it', () => {
  test('only the system context updates live state; the row goes with its printer', async () => {
    const { id } = await register(fx.db, ADMIN)
    for (const context of [OPERATOR, ADMIN]) {
      const changed = await withTx(fx.db, context, (tx) => tx.printerStatus.updateMany({ where: { printerId: id }, data: { online: true, gcodeState: 'RUNNING' } }))
      assert.equal(changed.count, 0, `${context.role} changed live state`)
      const removed = await withTx(fx.db, context, (tx) => tx.printerStatus.deleteMany({ where: { printerId: id } }))
      assert.equal(removed.count, 0, `${context.role} removed live state`)
    }
    // The worker's write (an upsert: INSERT … ON CONFLICT DO UPDATE).
    await withTx(fx.db, SYSTEM_CONTEXT, (tx) =>
      tx.printerStatus.upsert({ where: { printerId: id }, create: { printerId: id, online: true }, update: { online: true, gcodeState: 'IDLE' }, select: { printerId: true } }),
    )
    const status = await withTx(fx.db, OPERATOR, (tx) => tx.printerStatus.findUniqueOrThrow({ where: { printerId: id } }))
    assert.deepEqual([status.online, status.gcodeState], [true, 'IDLE'])
    // Removing the printer (admin) takes its status row along, although nobody may DELETE it.
    await withTx(fx.db, ADMIN, (tx) => tx.printer.delete({ where: { id } }))
    assert.equal(await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.printerStatus.count({ where: { printerId: id } })), 0)
  })

  test('an operator cannot create a status row', async () => {
    const { id } = await withTx(fx.db, ADMIN, (tx) =>
      tx.printer.create({
        data: { name: 'bare', model: 'A1', serial: 'BARE0001', host: '10.0.0.3', accessCodeCiphertext: new Uint8Array(24), accessCodeNonce: new Uint8Array(12), accessCodeKeyId: 'k1' },
        select: { id: true },
      }),
    )
    await assert.rejects(withTx(fx.db, OPERATOR, (tx) => tx.printerStatus.create({ data: { printerId: id, online: true } })), isPermissionDenied)
    await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.printerStatus.create({ data: { printerId: id }, select: { printerId: true } }))
  })
})
