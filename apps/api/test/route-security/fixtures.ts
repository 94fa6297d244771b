import { randomBytes } from 'node:crypto'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { emitWebhookEvent } from '@printforge/domain'
import type { multipart } from '../helper.ts'
import { jpeg } from '../images.ts'
import { slicedProject } from '../models.ts'
import type { Caller, World } from './world.ts'

type Parts = Parameters<typeof multipart>[0]

/** How to send one valid request; the runner adds the caller, the address and the variations. */
export interface FixtureRequest {
  params?: Record<string, string>
  query?: Record<string, string>
  json?: Record<string, unknown>
  multipart?: Parts
}

export interface RouteFixture {
  /**
   * A request that every allowed role gets a 2xx for. `owner` is the customer whose data it
   * names (the caller itself when a customer calls); routes without tenant data ignore it.
   */
  request(world: World, owner: Caller): FixtureRequest | Promise<FixtureRequest>
  /**
   * Required on a route a customer may call with a path parameter: 'customer' when the
   * parameter names the owner's data (another customer must get 404, never 403 or the data),
   * or why it names no tenant's data.
   */
  tenant?: 'customer' | { notTenantData: string }
  /** The route reads a multipart/form-data body in its handler, which the document cannot show. */
  multipart?: true
}

/**
 * Routes anyone may call, without a token. Everything else in the OpenAPI document must declare
 * its roles.
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['GET /', 'GET /health', 'GET /health/ready'])

const page = { query: { limit: '5' } }

// A literal public address: no DNS lookup at save time (the tests run offline).
const PUBLIC_HOOK = 'https://93.184.216.34/hooks/printforge'
/** A fresh webhook endpoint (each allowed caller gets its own, so a DELETE leaves the next one intact). */
async function webhook(w: World): Promise<string> {
  const admin = await w.caller('admin')
  const res = await w.api.app.inject({ method: 'POST', url: '/webhooks', headers: admin.auth, payload: { url: PUBLIC_HOOK, events: ['scan.stored'] } })
  return res.json().endpoint.id as string
}

/**
 * One valid request per documented route, keyed `METHOD /path` as in the OpenAPI document. A
 * route added without an entry here fails route-security.test.ts with its key.
 */
export const FIXTURES: Record<string, RouteFixture> = {
  'GET /me': { request: () => ({}) },
  'GET /me/export': { request: () => ({}) },

  'POST /jobs/create': {
    multipart: true,
    request: async () => ({ multipart: [{ name: 'title', value: 'scan' }, { name: 'images', filename: 'a.jpg', content: await jpeg(), contentType: 'image/jpeg' }] }),
  },
  'GET /jobs/': { request: () => page },
  'GET /jobs/{id}': { tenant: 'customer', request: async (w, owner) => ({ params: { id: (await w.scanJob(owner)).id } }) },
  'DELETE /jobs/{id}': { tenant: 'customer', request: async (w, owner) => ({ params: { id: (await w.scanJob(owner)).id } }) },
  'POST /jobs/{id}/cancel': { tenant: 'customer', request: async (w, owner) => ({ params: { id: (await w.scanJob(owner)).id } }) },
  'GET /jobs/{id}/images/{imageId}': {
    tenant: 'customer',
    request: async (w, owner) => {
      const job = await w.scanJob(owner)
      return { params: { id: job.id, imageId: job.imageId } }
    },
  },

  'GET /quota/': { request: () => ({}) },
  'PUT /quota/{customerId}': { request: (_w, owner) => ({ params: { customerId: owner.id }, json: { monthlyLimit: 30 } }) },

  'GET /staff/': { request: () => ({}) },
  'PUT /staff/{userId}': { request: async (w) => ({ params: { userId: (await w.caller('none')).id }, json: { role: 'operator' } }) },
  'DELETE /staff/{userId}': { request: async (w) => ({ params: { userId: (await w.caller('operator')).id } }) },

  'POST /printers/': {
    request: (w) => ({ json: { name: 'route-security', model: 'X1C', serial: w.serial(), host: '192.168.1.50', accessCode: '12345678' } }),
  },
  'GET /printers/': { request: () => page },
  'GET /printers/{id}': { request: async (w) => ({ params: { id: await w.printer() } }) },
  'PATCH /printers/{id}': { request: async (w) => ({ params: { id: await w.printer() }, json: { name: 'renamed' } }) },
  'DELETE /printers/{id}': { request: async (w) => ({ params: { id: await w.printer() } }) },
  'POST /printers/{id}/commands': { request: async (w) => ({ params: { id: await w.printer() }, json: { command: 'refresh' } }) },

  'POST /manufacturing/create': {
    multipart: true,
    // Names a printer of the world's shared group: group admins dispatch only to their groups' printers.
    request: async (w) => ({ multipart: [{ name: 'printerId', value: await w.printer() }, { name: 'model', filename: 'benchy.gcode.3mf', content: await slicedProject() }] }),
  },
  'GET /manufacturing/': { request: () => page },
  'GET /manufacturing/{id}': { request: async (w) => ({ params: { id: await w.printJob() } }) },
  'POST /manufacturing/{id}/cancel': { request: async (w) => ({ params: { id: await w.printJob() } }) },

  'POST /orders/': {
    request: (_w, owner) => ({ json: { externalId: `order_${randomBytes(8).toString('hex')}`, customerId: owner.id, items: [{ kind: 'product', productRef: 'RS-1', title: 'route-security', quantity: 1 }] } }),
  },
  'GET /orders/': { request: () => page },
  'GET /orders/{id}': { tenant: 'customer', request: async (w, owner) => ({ params: { id: await w.order(owner) } }) },
  'POST /orders/{id}/approve': { request: async (w, owner) => ({ params: { id: await w.order(owner) }, json: {} }) },
  'POST /orders/{id}/reject': { request: async (w, owner) => ({ params: { id: await w.order(owner) }, json: { reason: 'route-security' } }) },
  'POST /print-files/': {
    multipart: true,
    request: async () => ({ multipart: [{ name: 'name', value: 'route-security' }, { name: 'model', value: 'P1S' }, { name: 'model', filename: 'part.gcode.3mf', content: await slicedProject() }] }),
  },
  'GET /print-files/': { request: () => page },
  'DELETE /print-files/{id}': { request: async (w) => ({ params: { id: (await w.printFile()).id } }) },

  'GET /printer-groups/': { request: () => ({}) },
  'POST /printer-groups/': { request: () => ({ json: { name: `rs ${randomBytes(6).toString('hex')}` } }) },
  'PATCH /printer-groups/{id}': { request: async (w) => ({ params: { id: await w.group() }, json: { name: `rs ${randomBytes(6).toString('hex')}` } }) },
  'DELETE /printer-groups/{id}': { request: async (w) => ({ params: { id: await w.group() } }) },
  'PUT /printer-groups/{id}/printers/{printerId}': { request: async (w) => ({ params: { id: await w.group(), printerId: await w.printer() } }) },
  'DELETE /printer-groups/{id}/printers/{printerId}': {
    request: async (w) => {
      const [id, printerId] = [await w.group(), await w.printer()]
      await withTx(w.api.db, SYSTEM_CONTEXT, (tx) => tx.printerGroupMember.create({ data: { groupId: id, printerId, addedBy: 'test' } }))
      return { params: { id, printerId } }
    },
  },
  'PUT /printer-groups/{id}/staff/{userId}': { request: async (w) => ({ params: { id: await w.group(), userId: (await w.caller('none')).id }, json: { role: 'operator' } }) },
  'DELETE /printer-groups/{id}/staff/{userId}': {
    request: async (w) => {
      const [id, userId] = [await w.group(), (await w.caller('none')).id]
      await withTx(w.api.db, SYSTEM_CONTEXT, (tx) => tx.staffGroupRole.create({ data: { userId, groupId: id, role: 'operator', grantedBy: 'test' } }))
      return { params: { id, userId } }
    },
  },

  'GET /stats/dashboard': { request: () => ({}) },
  'GET /live': { request: () => ({}) },
  'GET /audit/': { request: () => page },
  'GET /audit/verify': { request: () => ({}) },
  'POST /api-keys/': { request: () => ({ json: { name: 'route-security', scopes: ['printers:read'] } }) },
  'GET /api-keys/': { request: () => ({}) },
  'DELETE /api-keys/{id}': {
    request: async (w) => {
      const admin = await w.caller('admin')
      const res = await w.api.app.inject({ method: 'POST', url: '/api-keys', headers: admin.auth, payload: { name: 'route-security', scopes: ['jobs:read'] } })
      return { params: { id: res.json().apiKey.id as string } }
    },
  },
  'POST /webhooks/': { request: () => ({ json: { url: PUBLIC_HOOK, events: ['scan.stored'] } }) },
  'GET /webhooks/': { request: () => ({}) },
  'GET /webhooks/{id}': { request: async (w) => ({ params: { id: await webhook(w) } }) },
  'PATCH /webhooks/{id}': { request: async (w) => ({ params: { id: await webhook(w) }, json: { enabled: false } }) },
  'DELETE /webhooks/{id}': { request: async (w) => ({ params: { id: await webhook(w) } }) },
  'POST /webhooks/{id}/rotate-secret': { request: async (w) => ({ params: { id: await webhook(w) }, json: { overlapSeconds: 60 } }) },
  'GET /webhooks/{id}/deliveries': { request: async (w) => ({ params: { id: await webhook(w) }, ...page }) },
  'POST /webhooks/{id}/deliveries/{deliveryId}/replay': {
    request: async (w) => {
      const id = await webhook(w)
      const deliveryId = await withTx(w.api.db, SYSTEM_CONTEXT, async (tx) => {
        await emitWebhookEvent(tx, 'scan.stored', { scanJobId: 'route-security' })
        const mine = await tx.webhookDelivery.findFirstOrThrow({ where: { endpointId: id }, select: { id: true } })
        await tx.webhookDelivery.update({ where: { id: mine.id }, data: { status: 'dead' } })
        return mine.id
      })
      return { params: { id, deliveryId } }
    },
  },
  'POST /tokens/revoke': { request: async (w) => ({ json: { actorType: 'customer', actorId: (await w.caller('customer')).id } }) },
}
