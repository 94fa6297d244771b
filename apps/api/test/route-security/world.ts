import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { recordOrder, SYSTEM_ACTOR } from '@printforge/domain'
import { multipart, type TestApi } from '../helper.ts'
import { jpeg } from '../images.ts'
import { slicedProject } from '../models.ts'
import type { Role } from './spec.ts'

export interface Caller {
  role: Role
  id: string
  auth: { authorization: string }
}

/**
 * What fixtures build their requests from. Every caller and every resource is fresh: no check
 * spends another's per-actor rate limit or quota, and a destructive check (a delete, a cancel)
 * cannot turn a later check's 404 into a pass.
 */
export interface World {
  api: TestApi
  caller(role: Role): Promise<Caller>
  /** A queued scan job of `owner` (uploaded through the API), with its one image marked stored. */
  scanJob(owner: Caller): Promise<{ id: string; imageId: string }>
  /** A printer in no group but the world's shared one (its group callers reach it). */
  printer(): Promise<string>
  /** A queued print job on a fresh printer of the shared group. */
  printJob(): Promise<string>
  /** A fresh empty printer group. */
  group(): Promise<string>
  /** A print file for a fresh productRef (uploaded through the API). */
  printFile(): Promise<{ id: string; productRef: string }>
  /** An order of `owner`, pending review, with one product item whose print file exists. */
  order(owner: Caller): Promise<string>
  serial(): string
}

/** A client address per request: the per-IP budgets (failed authentications) stay out of the way. */
export const remoteAddress = () => `10.${[...randomBytes(3)].join('.')}`

export function createWorld(api: TestApi): World {
  // The group every world printer joins and every group caller holds its role in.
  let shared: Promise<string> | undefined
  const sharedGroup = () =>
    (shared ??= withTx(api.db, SYSTEM_CONTEXT, (tx) =>
      tx.printerGroup.create({ data: { name: `route-security ${randomBytes(4).toString('hex')}`, createdBy: 'test' }, select: { id: true } }),
    ).then((g) => g.id))
  const caller = async (role: Role): Promise<Caller> => {
    if (role === 'customer') return { role, ...api.customer() }
    if (role === 'group_operator' || role === 'group_admin') {
      const groupId = await sharedGroup()
      const person = await api.staff('none')
      await withTx(api.db, SYSTEM_CONTEXT, (tx) =>
        tx.staffGroupRole.create({ data: { userId: person.id, groupId, role: role === 'group_admin' ? 'admin' : 'operator', grantedBy: 'test' } }),
      )
      return { role, ...person }
    }
    return { role, ...(await api.staff(role)) }
  }
  const serial = () => `00M${randomBytes(6).toString('hex').toUpperCase()}`
  const created = async (url: string, auth: Caller['auth'], init: { payload: unknown; headers?: Record<string, string> }) => {
    const res = await api.app.inject({ method: 'POST', url, remoteAddress: remoteAddress(), headers: { ...auth, ...init.headers }, payload: init.payload as string })
    assert.ok(res.statusCode === 201 || res.statusCode === 202, `world: POST ${url} answered ${res.statusCode} ${res.body}`)
    return res.json()
  }

  return {
    api,
    caller,
    serial,
    async scanJob(owner) {
      assert.equal(owner.role, 'customer', 'scan jobs belong to customers')
      const body = multipart([{ name: 'title', value: 'route-security' }, { name: 'images', filename: 'a.jpg', content: await jpeg(), contentType: 'image/jpeg' }])
      const { job } = await created('/jobs/create', owner.auth, body)
      // Stored as the worker would leave it, so the download route has something to sign.
      const image = await withTx(api.db, SYSTEM_CONTEXT, async (tx) => {
        const row = await tx.scanImage.findFirstOrThrow({ where: { jobId: job.id } })
        return tx.scanImage.update({ where: { id: row.id }, data: { status: 'stored', storageKey: `scans/${owner.id}/${job.id}/${row.id}.jpg` } })
      })
      return { id: job.id as string, imageId: image.id }
    },
    async printer() {
      const admin = await caller('admin')
      const payload = { name: 'route-security', model: 'X1C', serial: serial(), host: '192.168.1.50', accessCode: '12345678' }
      const id = (await created('/printers', admin.auth, { payload })).printer.id as string
      const groupId = await sharedGroup()
      await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.printerGroupMember.create({ data: { groupId, printerId: id, addedBy: 'test' } }))
      return id
    },
    async printJob() {
      const admin = await caller('admin')
      const body = multipart([{ name: 'printerId', value: await this.printer() }, { name: 'model', filename: 'benchy.gcode.3mf', content: await slicedProject() }])
      return (await created('/manufacturing/create', admin.auth, body)).manufacturingJob.id as string
    },
    async group() {
      const { id } = await withTx(api.db, SYSTEM_CONTEXT, (tx) =>
        tx.printerGroup.create({ data: { name: `rs ${randomBytes(6).toString('hex')}`, createdBy: 'test' }, select: { id: true } }),
      )
      return id
    },
    async printFile() {
      const admin = await caller('admin')
      const productRef = `RS-${randomBytes(6).toString('hex')}`
      const body = multipart([{ name: 'name', value: 'route-security' }, { name: 'productRef', value: productRef }, { name: 'model', value: 'P1S' }, { name: 'model', filename: 'part.gcode.3mf', content: await slicedProject() }])
      return { id: (await created('/print-files', admin.auth, body)).printFile.id as string, productRef }
    },
    async order(owner) {
      const { productRef } = await this.printFile()
      const { order } = await recordOrder(api.db, SYSTEM_CONTEXT, {
        externalId: `order_${randomBytes(8).toString('hex')}`, customerId: owner.id,
        items: [{ kind: 'product', productRef, title: 'route-security', quantity: 1 }],
      }, SYSTEM_ACTOR, {})
      return order.id
    },
  }
}
