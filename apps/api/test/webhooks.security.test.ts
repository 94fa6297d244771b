// docs/integrations.md "Webhooks" at the API: who manages endpoints (admins, keys with
// webhooks:manage — and RLS agrees), the secret shown once and never again, SSRF refusals at
// save time with nothing written, rotation, delivery paging and replay, audit rows.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { emitWebhookEvent } from '@printforge/domain'
import { bearer, createKey } from './api-keys.helpers.ts'
import { auditRows, useApi } from './helper.ts'

// Audit rows carry bigint ids.
const text = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))
const api = useApi({ WEBHOOK_DEV_TARGETS: '127.0.0.1:4010' })
const HOOK = 'https://93.184.216.34/hooks/printforge'

const create = async (headers: Record<string, string>, payload: object = { url: HOOK, events: ['scan.stored', 'order.status_changed'] }) =>
  api.app.inject({ method: 'POST', url: '/webhooks', headers, payload })

test('an admin creates an endpoint: 201 with a whsec_ secret once; reads never show it again', async () => {
  const admin = await api.staff('admin')
  const res = await create(admin.auth, { url: HOOK, events: ['scan.stored'], description: 'shop' })
  assert.equal(res.statusCode, 201, res.body)
  const { endpoint, secret } = res.json() as { endpoint: { id: string; secrets: { expiresAt: string | null }[] }; secret: string }
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
  assert.equal(endpoint.secrets.length, 1)
  for (const url of [`/webhooks/${endpoint.id}`, '/webhooks', `/webhooks/${endpoint.id}/deliveries`]) {
    const read = await api.app.inject({ method: 'GET', url, headers: admin.auth })
    assert.equal(read.statusCode, 200, url)
    assert.ok(!read.body.includes('whsec_') && !read.body.includes(secret.slice(6)), `${url} shows no secret`)
  }
  const sealed = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.webhookSecret.findMany({ where: { endpointId: endpoint.id } }))
  assert.ok(!Buffer.from(sealed[0]!.ciphertext).toString('latin1').includes(secret.slice(6, 20)), 'stored sealed, not in clear')
  const audit = await auditRows(api, { action: 'webhook.created', targetId: endpoint.id })
  assert.equal(audit.length, 1)
  assert.equal(audit[0]!.actorId, admin.id)
  assert.ok(!text(audit).includes('whsec_'))
})

test('SSRF: every refused URL form is a 400 and writes nothing', async () => {
  const admin = await api.staff('admin')
  const before = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.webhookEndpoint.count())
  for (const url of [
    'http://93.184.216.34/x', 'https://user:pw@93.184.216.34/x', 'https://127.0.0.1/x', 'https://2130706433/x', 'https://0177.0.0.1/x',
    'https://0x7f000001/x', 'https://[::1]/x', 'https://[::ffff:127.0.0.1]/x', 'https://[64:ff9b::a9fe:a9fe]/x', 'https://169.254.169.254/x',
    'https://[fd00:ec2::254]/x', 'https://10.0.0.1/x', 'https://100.64.1.1/x', 'https://localhost/x', 'https://[2002:c0a8:101::1]/x',
    'http://127.0.0.1:4011/x', 'https://no-such-host.invalid/x',
  ]) {
    const res = await create(admin.auth, { url, events: ['scan.stored'] })
    assert.equal(res.statusCode, 400, `${url}: ${res.body}`)
    assert.equal(res.json().error.code, 'VALIDATION_FAILED')
  }
  assert.equal(await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.webhookEndpoint.count()), before)
  // A listed dev target may be private and plain http (WEBHOOK_DEV_TARGETS, host and port).
  assert.equal((await create(admin.auth, { url: 'http://127.0.0.1:4010/hooks', events: ['scan.stored'] })).statusCode, 201)
  // PATCH checks the URL the same way.
  const { endpoint } = (await create(admin.auth)).json()
  const patch = await api.app.inject({ method: 'PATCH', url: `/webhooks/${endpoint.id}`, headers: admin.auth, payload: { url: 'https://[::ffff:10.0.0.1]/x' } })
  assert.equal(patch.statusCode, 400)
  const events = await api.app.inject({ method: 'POST', url: '/webhooks', headers: admin.auth, payload: { url: HOOK, events: ['scan.nope'] } })
  assert.equal(events.statusCode, 400)
})

test('operators, customers and keys without webhooks:manage are refused; a key with it manages', async () => {
  for (const caller of [await api.staff('operator'), api.customer(), await api.staff('none')]) {
    assert.equal((await create(caller.auth)).statusCode, 403)
    assert.equal((await api.app.inject({ method: 'GET', url: '/webhooks', headers: caller.auth })).statusCode, 403)
  }
  const other = await createKey(api, { scopes: ['orders:write', 'orders:read', 'jobs:read', 'printers:read'] })
  assert.equal((await create(bearer(other.key))).statusCode, 403)
  const key = await createKey(api, { scopes: ['webhooks:manage'] })
  const made = await create(bearer(key.key))
  assert.equal(made.statusCode, 201, made.body)
  const audit = await auditRows(api, { action: 'webhook.created', targetId: made.json().endpoint.id })
  assert.deepEqual([audit[0]!.actorType, audit[0]!.actorId], ['api_key', key.id])
  assert.equal((await api.app.inject({ method: 'GET', url: `/webhooks/${made.json().endpoint.id}/deliveries`, headers: bearer(key.key) })).statusCode, 200)
})

test('RLS: only admins and keys with webhooks:manage read endpoints, secrets, events and deliveries', async () => {
  const admin = await api.staff('admin')
  const { endpoint } = (await create(admin.auth)).json()
  await withTx(api.db, SYSTEM_CONTEXT, (tx) => emitWebhookEvent(tx, 'scan.stored', { scanJobId: 'rls' }))
  const key = await createKey(api, { scopes: ['orders:read'] })
  const counts = (ctx: Parameters<typeof withTx>[1]) =>
    withTx(api.db, ctx, async (tx) => [
      await tx.webhookEndpoint.count({ where: { id: endpoint.id } }), await tx.webhookSecret.count({ where: { endpointId: endpoint.id } }),
      await tx.webhookDelivery.count({ where: { endpointId: endpoint.id } }), await tx.webhookEvent.count(),
    ])
  for (const ctx of [{ actorId: 'user_op', role: 'operator' }, { actorId: 'cus_1', role: 'customer' }, { actorId: key.id, role: 'api_key' }] as const) {
    assert.deepEqual(await counts(ctx), [0, 0, 0, 0], ctx.role)
  }
  const [e, s, d] = await counts({ actorId: admin.id, role: 'admin' })
  assert.deepEqual([e, s, d], [1, 1, 1])
  // Nobody outside webhook_emit inserts deliveries (the app role has no INSERT grant).
  await assert.rejects(withTx(api.db, { actorId: admin.id, role: 'admin' }, (tx) => tx.webhookDelivery.create({ data: { eventId: 'msg_' + '0'.repeat(32), endpointId: endpoint.id } })))
})

test('rotation: a new secret once, the old one signing until the overlap ends; 0 ends it at once', async () => {
  const admin = await api.staff('admin')
  const { endpoint, secret } = (await create(admin.auth)).json()
  const res = await api.app.inject({ method: 'POST', url: `/webhooks/${endpoint.id}/rotate-secret`, headers: admin.auth, payload: { overlapSeconds: 3_600 } })
  assert.equal(res.statusCode, 201, res.body)
  const rotated = res.json()
  assert.notEqual(rotated.secret, secret)
  const [current, old] = rotated.endpoint.secrets
  assert.equal(current.expiresAt, null)
  const overlap = new Date(old.expiresAt).getTime() - Date.now()
  assert.ok(overlap > 3_500_000 && overlap <= 3_600_000, `old secret expires in ${overlap} ms`)
  const again = (await api.app.inject({ method: 'POST', url: `/webhooks/${endpoint.id}/rotate-secret`, headers: admin.auth, payload: { overlapSeconds: 0 } })).json()
  assert.equal(again.endpoint.secrets.filter((s: { expiresAt: string | null }) => s.expiresAt === null || new Date(s.expiresAt) > new Date()).length, 1)
  assert.equal((await api.app.inject({ method: 'POST', url: `/webhooks/${endpoint.id}/rotate-secret`, headers: admin.auth, payload: { overlapSeconds: 8 * 86_400 } })).statusCode, 400)
  const audit = await auditRows(api, { action: 'webhook.secret_rotated', targetId: endpoint.id })
  assert.equal(audit.length, 2)
  assert.ok(!text(audit).includes('whsec_'))
})

test('deliveries: status filter and cursor paging; replay moves dead to pending (409 while pending); delete', async () => {
  const admin = await api.staff('admin')
  const { endpoint } = (await create(admin.auth, { url: HOOK, events: ['printer.error'] })).json()
  const ids: string[] = []
  for (let i = 0; i < 5; i++) ids.push(...(await withTx(api.db, SYSTEM_CONTEXT, (tx) => emitWebhookEvent(tx, 'printer.error', { printerId: String(i) }))))
  await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.webhookDelivery.updateMany({ where: { id: { in: ids.slice(0, 2) } }, data: { status: 'dead', attempts: 8 } }))
  const seen: string[] = []
  let cursor: string | null = null
  do {
    const res: { statusCode: number; body: string; json: () => { items: { id: string }[]; nextCursor: string | null } } = await api.app.inject({ method: 'GET', url: `/webhooks/${endpoint.id}/deliveries`, headers: admin.auth, query: { limit: '2', ...(cursor ? { cursor } : {}) } })
    assert.equal(res.statusCode, 200, res.body)
    const page = res.json()
    seen.push(...page.items.map((d: { id: string }) => d.id))
    cursor = page.nextCursor
  } while (cursor)
  assert.deepEqual(seen.sort(), [...ids].sort())
  const dead = (await api.app.inject({ method: 'GET', url: `/webhooks/${endpoint.id}/deliveries`, headers: admin.auth, query: { status: 'dead' } })).json()
  assert.deepEqual(dead.items.map((d: { id: string }) => d.id).sort(), ids.slice(0, 2).sort())
  assert.equal((await api.app.inject({ method: 'GET', url: `/webhooks/${endpoint.id}/deliveries`, headers: admin.auth, query: { cursor: 'bogus' } })).statusCode, 400)

  const replay = await api.app.inject({ method: 'POST', url: `/webhooks/${endpoint.id}/deliveries/${ids[0]}/replay`, headers: admin.auth })
  assert.equal(replay.statusCode, 200, replay.body)
  assert.deepEqual([replay.json().delivery.status, replay.json().delivery.attempts], ['pending', 0])
  assert.equal((await api.app.inject({ method: 'POST', url: `/webhooks/${endpoint.id}/deliveries/${ids[0]}/replay`, headers: admin.auth })).statusCode, 409)
  const other = (await create(admin.auth)).json().endpoint.id
  assert.equal((await api.app.inject({ method: 'POST', url: `/webhooks/${other}/deliveries/${ids[1]}/replay`, headers: admin.auth })).statusCode, 404, 'a delivery of another endpoint')
  assert.equal((await auditRows(api, { action: 'webhook.replayed', targetId: ids[0] })).length, 1)

  assert.equal((await api.app.inject({ method: 'DELETE', url: `/webhooks/${endpoint.id}`, headers: admin.auth })).statusCode, 204)
  assert.equal((await api.app.inject({ method: 'GET', url: `/webhooks/${endpoint.id}`, headers: admin.auth })).statusCode, 404)
  assert.equal((await auditRows(api, { action: 'webhook.deleted', targetId: endpoint.id })).length, 1)
  assert.equal(await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.webhookDelivery.count({ where: { endpointId: endpoint.id } })), 0)
})

test('PATCH changes what is given and audits it', async () => {
  const admin = await api.staff('admin')
  const { endpoint } = (await create(admin.auth)).json()
  const res = await api.app.inject({ method: 'PATCH', url: `/webhooks/${endpoint.id}`, headers: admin.auth, payload: { enabled: false, events: ['printer.offline'] } })
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual([res.json().endpoint.enabled, res.json().endpoint.events], [false, ['printer.offline']])
  assert.equal((await api.app.inject({ method: 'PATCH', url: `/webhooks/${endpoint.id}`, headers: admin.auth, payload: {} })).statusCode, 400)
  assert.equal((await auditRows(api, { action: 'webhook.updated', targetId: endpoint.id })).length, 1)
})
