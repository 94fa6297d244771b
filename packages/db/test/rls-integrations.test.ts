// The integration tables' rules in the database itself (migration 20261203080000_integrations):
// an API key context's rights come from the key's own row, orders are customer data, an order line
// names only its customer's scan, and webhook data is for admins and webhook managers only.
import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { isPermissionDenied, SYSTEM_CONTEXT, withTx, type Db, type DbContext } from '../src/index.ts'
import { customer, useDatabase } from './helpers.ts'

const fx = useDatabase()
const ADMIN: DbContext = { actorId: 'user_admin', role: 'admin' }
const OPERATOR: DbContext = { actorId: 'user_op', role: 'operator' }
const key = (id: string): DbContext => ({ actorId: id, role: 'api_key' })

const hash = (s: string) => createHash('sha256').update(s).digest('hex')

async function createKey(db: Db, id: string, scopes: string[], extra: { expiresAt?: Date; revokedAt?: Date } = {}) {
  await withTx(db, ADMIN, (tx) =>
    tx.apiKey.create({ data: { id, name: id, keyHash: hash(id), scopes, allowedCidrs: [], createdBy: 'user_admin', ...extra } }),
  )
}

async function createScan(db: Db, owner: string) {
  const id = randomUUID()
  await withTx(db, customer(owner), (tx) => tx.scanJob.create({ data: { id, customerId: owner, title: 'scan', imageCount: 0 } }))
  return id
}

function recordOrder(db: Db, ctx: DbContext, owner: string, items: { kind: 'scan' | 'product'; scanJobId?: string; productRef?: string }[]) {
  const id = randomUUID()
  return withTx(db, ctx, async (tx) => {
    await tx.order.create({ data: { id, externalId: `order_${id}`, customerId: owner, requestHash: hash(id), createdBy: ctx.actorId ?? '' } })
    let position = 0
    for (const item of items) {
      await tx.orderItem.create({ data: { orderId: id, customerId: owner, title: 'line', quantity: 1, position: position++, ...item } })
    }
    return id
  })
}

const rejected = async (p: Promise<unknown>, pattern: RegExp) => {
  await assert.rejects(p, (err: Error) => pattern.test(err.message) || isPermissionDenied(err))
}

describe('integration tables under row-level security', () => {
  before(async () => {
    await createKey(fx.db, 'shopwriteaaa', ['orders:write'])
    await createKey(fx.db, 'shopreadbbbb', ['orders:read'])
    await createKey(fx.db, 'printerscccc', ['printers:read'])
    await createKey(fx.db, 'revokeddddd2', ['orders:read', 'jobs:read'], { revokedAt: new Date() })
    await createKey(fx.db, 'expiredeeee2', ['orders:read', 'jobs:read'], { expiresAt: new Date(Date.now() - 1_000) })
  })

  test('a key context reads its own key row only, and never another key or the hashes of others', async () => {
    const own = await withTx(fx.db, key('shopreadbbbb'), (tx) => tx.apiKey.findMany({ select: { id: true } }))
    assert.deepEqual(own.map((k) => k.id), ['shopreadbbbb'])
    assert.equal((await withTx(fx.db, customer('cus_A'), (tx) => tx.apiKey.findMany())).length, 0)
    assert.equal((await withTx(fx.db, OPERATOR, (tx) => tx.apiKey.findMany())).length, 0)
  })

  test('a scope is read from the key row: revoked and expired keys have none', async () => {
    const scoped = async (id: string, scope: string) =>
      withTx(fx.db, key(id), async (tx) => (await tx.$queryRaw<{ ok: boolean }[]>`SELECT public.app_has_scope(${scope}) AS ok`)[0]!.ok)
    assert.equal(await scoped('shopreadbbbb', 'orders:read'), true)
    assert.equal(await scoped('shopreadbbbb', 'orders:write'), false)
    assert.equal(await scoped('revokeddddd2', 'orders:read'), false)
    assert.equal(await scoped('expiredeeee2', 'orders:read'), false)
    // A person's context naming a key's id gains nothing.
    const asCustomer = await withTx(fx.db, customer('shopreadbbbb'), async (tx) => (await tx.$queryRaw<{ ok: boolean }[]>`SELECT public.app_has_scope('orders:read') AS ok`)[0]!.ok)
    assert.equal(asCustomer, false)
  })

  test('only orders:write records orders; orders:read and other scopes read or see nothing', async () => {
    const scan = await createScan(fx.db, 'cus_A')
    const orderId = await recordOrder(fx.db, key('shopwriteaaa'), 'cus_A', [{ kind: 'scan', scanJobId: scan }, { kind: 'product', productRef: 'SKU-1' }])
    await rejected(recordOrder(fx.db, key('shopreadbbbb'), 'cus_A', [{ kind: 'product', productRef: 'SKU-1' }]), /row-level security/)
    await rejected(recordOrder(fx.db, key('revokeddddd2'), 'cus_A', [{ kind: 'product', productRef: 'SKU-1' }]), /row-level security/)
    await rejected(recordOrder(fx.db, customer('cus_A'), 'cus_A', [{ kind: 'product', productRef: 'SKU-1' }]), /row-level security/)

    const read = (ctx: DbContext) => withTx(fx.db, ctx, (tx) => tx.order.findMany({ where: { id: orderId }, include: { items: true } }))
    assert.equal((await read(key('shopreadbbbb')))[0]?.items.length, 2)
    assert.equal((await read(key('printerscccc'))).length, 0)
    assert.equal((await read(key('expiredeeee2'))).length, 0)
    assert.equal((await read(customer('cus_A'))).length, 1)
    assert.equal((await read(customer('cus_B'))).length, 0)
    assert.equal((await read(OPERATOR)).length, 1)
  })

  test("an order line can name only its own customer's scan, and only while the order awaits review", async () => {
    const othersScan = await createScan(fx.db, 'cus_B')
    await rejected(recordOrder(fx.db, key('shopwriteaaa'), 'cus_A', [{ kind: 'scan', scanJobId: othersScan }]), /not its customer's/)
    await rejected(recordOrder(fx.db, key('shopwriteaaa'), 'cus_A', [{ kind: 'scan', scanJobId: randomUUID() }]), /not its customer's/)
    await rejected(recordOrder(fx.db, key('shopwriteaaa'), 'cus_A', [{ kind: 'scan' }]), /not its customer's/)
    // Nothing of the refused orders stayed.
    const orders = await withTx(fx.db, SYSTEM_CONTEXT, (tx) => tx.order.count({ where: { items: { some: { scanJobId: othersScan } } } }))
    assert.equal(orders, 0)
  })

  test('a key records orders awaiting review only; only admins approve, operators only move production on', async () => {
    const id = randomUUID()
    await rejected(
      withTx(fx.db, key('shopwriteaaa'), (tx) =>
        tx.order.create({ data: { id, externalId: `order_${id}`, customerId: 'cus_A', status: 'approved', requestHash: hash(id), createdBy: 'x' } }),
      ),
      /row-level security/,
    )
    const orderId = await recordOrder(fx.db, key('shopwriteaaa'), 'cus_A', [{ kind: 'product', productRef: 'SKU-2' }])
    const move = (ctx: DbContext, status: 'approved' | 'in_production') =>
      withTx(fx.db, ctx, (tx) => tx.order.updateMany({ where: { id: orderId }, data: { status } }))
    assert.equal((await move(key('shopwriteaaa'), 'approved')).count, 0)
    assert.equal((await move(OPERATOR, 'approved')).count, 0)
    assert.equal((await move(ADMIN, 'approved')).count, 1)
    assert.equal((await move(OPERATOR, 'in_production')).count, 1)
  })

  test('a print job joins an order line only once the order is approved', async () => {
    const orderId = await recordOrder(fx.db, key('shopwriteaaa'), 'cus_A', [{ kind: 'product', productRef: 'SKU-3' }])
    const item = await withTx(fx.db, ADMIN, (tx) => tx.orderItem.findFirstOrThrow({ where: { orderId } }))
    const job = (orderItemId: string) =>
      withTx(fx.db, ADMIN, (tx) =>
        tx.manufacturingJob.create({
          data: { orderItemId, fileKey: `models/${randomUUID()}/model.gcode.3mf`, fileName: 'a.gcode.3mf', fileBytes: 1n, fileSha256: '0'.repeat(64), createdBy: 'user_admin' },
        }),
      )
    await rejected(job(item.id), /not approved/)
    await withTx(fx.db, ADMIN, (tx) => tx.order.update({ where: { id: orderId }, data: { status: 'approved' } }))
    await job(item.id)
  })

  test('webhook endpoints, secrets and deliveries are for admins and keys with webhooks:manage', async () => {
    await createKey(fx.db, 'hooksfffffff', ['webhooks:manage'])
    const endpoint = await withTx(fx.db, key('hooksfffffff'), (tx) =>
      tx.webhookEndpoint.create({ data: { url: 'https://shop.example.com/hooks', events: ['order.status_changed'], createdBy: 'hooksfffffff' } }),
    )
    for (const ctx of [OPERATOR, customer('cus_A'), key('shopreadbbbb')]) {
      assert.equal((await withTx(fx.db, ctx, (tx) => tx.webhookEndpoint.findMany())).length, 0, `${ctx.role} reads endpoints`)
    }
    await rejected(
      withTx(fx.db, key('shopreadbbbb'), (tx) =>
        tx.webhookEndpoint.create({ data: { url: 'https://evil.example.com/', events: ['scan.stored'], createdBy: 'x' } }),
      ),
      /row-level security/,
    )
    // The database refuses a URL that is not http(s) and unknown event types, whoever asks. (Which
    // targets may use plain http — WEBHOOK_DEV_TARGETS only — is the API's and worker's check.)
    await rejected(
      withTx(fx.db, ADMIN, (tx) => tx.webhookEndpoint.create({ data: { url: 'ftp://shop.example.com/', events: ['scan.stored'], createdBy: 'x' } })),
      /webhook_endpoints_http_url/,
    )
    await rejected(
      withTx(fx.db, ADMIN, (tx) => tx.webhookEndpoint.create({ data: { url: 'https://shop.example.com/', events: ['staff.changed'], createdBy: 'x' } })),
      /webhook_endpoints_events_known/,
    )

    // Any identified context emits (its own change); the delivery is readable by managers only.
    const ids = await withTx(fx.db, customer('cus_A'), async (tx) =>
      (await tx.$queryRaw<{ ids: string[] }[]>`SELECT public.webhook_emit('order.status_changed', '{"orderId":"x"}'::jsonb) AS ids`)[0]!.ids,
    )
    assert.equal(ids.length, 1)
    assert.equal((await withTx(fx.db, customer('cus_A'), (tx) => tx.webhookDelivery.findMany())).length, 0)
    const delivery = await withTx(fx.db, ADMIN, (tx) => tx.webhookDelivery.findUniqueOrThrow({ where: { id: ids[0]! }, include: { event: true } }))
    assert.equal(delivery.endpointId, endpoint.id)
    assert.equal((delivery.event.payload as { type: string }).type, 'order.status_changed')
    // An endpoint not subscribed to the type gets no delivery; an anonymous context cannot emit.
    const none = await withTx(fx.db, ADMIN, async (tx) =>
      (await tx.$queryRaw<{ ids: string[] }[]>`SELECT public.webhook_emit('scan.stored', '{}'::jsonb) AS ids`)[0]!.ids,
    )
    assert.deepEqual(none, [])
    await rejected(
      withTx(fx.db, { actorId: null, role: 'anonymous' }, (tx) => tx.$queryRaw`SELECT public.webhook_emit('scan.stored', '{}'::jsonb)`),
      /identified context/,
    )
  })
})
