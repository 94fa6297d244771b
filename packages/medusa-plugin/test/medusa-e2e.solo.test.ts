// The plugin end to end against a real Medusa 2 (from npm, ../e2e/shop) and the real PrintForge:
// API and worker in this process, virtual printers, the test PostgreSQL, Redis and S3. A customer
// checks out through Medusa's store API; order.placed reaches PrintForge once, also when it is
// delivered a second time; an admin approves; the prints complete on virtual printers; PrintForge's
// signed webhook marks the Medusa order completed; forged, tampered and stale webhooks are refused;
// a Medusa admin user signs in as the staff console does and PrintForge accepts the token Medusa issued.
// Solo (*.solo.test.ts): Medusa is a heavy second server, timed here — it runs on an idle machine.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { freePort } from '@printforge/devstack'
import { QUEUES } from '@printforge/jobs'
import type { VirtualPrinter } from '@printforge/printer-sim'
import { slicedProject } from '../../../apps/api/test/models.ts'
import { multipart, startApi } from '../../../apps/worker/test/api-client.ts'
import { useFarm, useWorker, useWorkerEnv, waitFor } from '../../../apps/worker/test/helper.ts'
import { prepareShop, startShop, type PreparedShop, type RunningShop } from './medusa-shop.ts'
import { checkout } from './store-checkout.ts'

const medusaPort = await freePort()
// The staff console's origin as Medusa's authCors lists it (the console is served by PrintForge's nginx).
const consoleOrigin = 'https://printforge.example'
// WEBHOOK_DEV_TARGETS: the one private, plain-http target the worker may deliver to (this Medusa).
const devTargets = `127.0.0.1:${medusaPort}`
const env = useWorkerEnv({ WORKER_QUEUES: QUEUES.join(','), WEBHOOK_CONCURRENCY: 4, WEBHOOK_ENDPOINT_CONCURRENCY: 2, WEBHOOK_DEV_TARGETS: devTargets })
// Two X1Cs, the print file's model: the order's two prints run side by side; speed 60: about 2 s each.
const printers = useFarm([{ model: 'X1C' }, { model: 'X1C' }], 60)
useWorker(env, async () => ({ extraCaPems: [(await printers.ready).caPem] }))

const timings: Array<[string, number]> = []
let mark = Date.now()
const phase = (name: string) => {
  const now = Date.now()
  timings.push([name, now - mark])
  mark = now
}
after(() => {
  const total = timings.reduce((sum, [, ms]) => sum + ms, 0)
  console.log(`medusa e2e phases: ${timings.map(([n, ms]) => `${n} ${(ms / 1000).toFixed(1)} s`).join(', ')}; total ${(total / 1000).toFixed(1)} s`)
})

type Auth = { authorization: string }
type Api = Awaited<ReturnType<typeof startApi>>

async function staff(api: Api, role: 'admin' | 'operator'): Promise<Auth> {
  const userId = `user_${role}_${Math.random().toString(36).slice(2)}`
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.staff.create({ data: { userId, role, grantedBy: 'test' } }))
  return { authorization: `Bearer ${api.token(userId, 'user')}` }
}

async function json(api: Api, method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown, expect = 200): Promise<Record<string, unknown>> {
  const res = await api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) })
  assert.equal(res.statusCode, expect, `${method} ${url}: ${res.body}`)
  return res.json()
}

interface PfOrder { id: string; status: string; items: Array<{ manufacturingJobs: Array<{ status: string }> }> }

test('a Medusa order goes to PrintForge once, through approval and printing, and comes back as a signed webhook', { timeout: 300_000 }, async () => {
  // Medusa's database, migrations and seed while PrintForge is set up.
  // One JWT secret for both: PrintForge verifies the tokens this Medusa issues, as in production.
  const jwtSecret = randomBytes(32).toString('base64url')
  const preparing: Promise<PreparedShop> = prepareShop({ jwtSecret, authCors: consoleOrigin })
  preparing.catch(() => {}) // awaited below; an early failure must not be unhandled meanwhile
  const started: { medusa?: RunningShop } = {}
  // One hook, in order: Medusa stops before its database is dropped under it.
  after(async () => {
    const medusa = started.medusa
    if (medusa) {
      // On a failure, what the plugin said inside Medusa (its log lines name PrintForge).
      const said = medusa.output().split('\n').filter((l) => /printforge/i.test(l) && !/to load from/.test(l))
      if (said.length) console.log(`medusa log (PrintForge lines):\n${said.slice(-20).join('\n')}`)
      await medusa.stop()
    }
    await (await preparing.catch(() => null))?.drop()
  })

  const farm = await printers.ready
  const api = await startApi(env, { env: { WEBHOOK_DEV_TARGETS: devTargets, JWT_SECRET: jwtSecret } })
  await api.app.listen({ host: '127.0.0.1', port: 0 })
  const address = api.app.server.address()
  assert.ok(address && typeof address === 'object')
  const printforgeUrl = `http://127.0.0.1:${address.port}`
  const admin = await staff(api, 'admin')
  for (const [i, p] of (farm.printers as VirtualPrinter[]).entries()) {
    await json(api, 'POST', '/printers', admin, { name: `Bay ${i + 1}`, model: p.model, serial: p.serial, host: p.host, accessCode: p.accessCode, mqttPort: p.mqttPort, ftpsPort: p.ftpsPort }, 201)
  }

  // What the README tells the shop's developer to do on PrintForge: a key, a webhook, print files.
  const { key } = (await json(api, 'POST', '/api-keys', admin, { name: 'medusa shop', scopes: ['orders:write', 'orders:read'] }, 201)) as { key: string }
  const { secret } = (await json(api, 'POST', '/webhooks', admin, { url: `http://127.0.0.1:${medusaPort}/hooks/printforge`, events: ['order.status_changed'] }, 201)) as { secret: string }
  const shop = await preparing
  const form = multipart([
    { name: 'name', value: 'Desk organiser' }, { name: 'productRef', value: shop.seed.sku }, { name: 'model', value: 'X1C' }, { name: 'plate', value: '1' },
    { name: 'model', filename: 'desk-organiser.gcode.3mf', content: await slicedProject(), contentType: 'application/octet-stream' },
  ])
  const printFile = await api.app.inject({ method: 'POST', url: '/print-files', headers: { ...admin, ...form.headers }, payload: form.payload })
  assert.equal(printFile.statusCode, 201, printFile.body)
  phase('PrintForge set up, Medusa migrated and seeded')

  const running = await startShop(shop, medusaPort, { PRINTFORGE_URL: printforgeUrl, PRINTFORGE_API_KEY: key, PRINTFORGE_WEBHOOK_SECRET: secret })
  started.medusa = running
  phase('medusa start')

  // 1. A customer checks out: order.placed → the plugin → POST /orders with the key.
  const order = await checkout(running.url, shop.seed, 2)
  const ordersOf = async () => (await json(api, 'GET', `/orders?externalId=${encodeURIComponent(order.id)}`, admin)).items as PfOrder[]
  const [sent] = await waitFor('the order in PrintForge', async () => ((await ordersOf()).length > 0 ? ordersOf() : null), 30_000, 500)
  assert.ok(sent)
  assert.equal(sent.status, 'pending_review')
  await waitFor('the PrintForge id on the Medusa order', async () => (await running.orderMetadata(order.id))?.['printforge_order_id'] === sent.id, 15_000, 250)
  phase('checkout → PrintForge order')

  // 2. order.placed again, through Medusa's event bus (another process: `medusa exec`), with the
  //    plugin's own "already sent" mark removed first — a duplicate that raced the first delivery.
  //    PrintForge answers it with the same order: still exactly one.
  const redelivered = await running.exec('./redeliver.js', { ORDER_ID: order.id })
  assert.match(redelivered, /redelivered order\.placed/)
  const again = await ordersOf()
  assert.equal(again.length, 1, 'one PrintForge order after two deliveries')
  assert.equal(again[0]?.id, sent.id)
  assert.equal((await running.orderMetadata(order.id))?.['printforge_order_id'], sent.id)
  phase('duplicate delivery')

  // 3. Staff approve; the prints run on the virtual printers; the webhook marks the Medusa order.
  await json(api, 'POST', `/orders/${sent.id}/approve`, admin, {})
  const done = await waitFor('the PrintForge order completed', async () => {
    const o = (await json(api, 'GET', `/orders/${sent.id}`, admin)).order as PfOrder
    return o.status === 'completed' ? o : null
  }, 120_000, 1_000)
  assert.equal(done.items[0]?.manufacturingJobs.length, 2, 'quantity 2: two print jobs')
  phase('approval → prints completed')
  const meta = await waitFor('the Medusa order marked completed', async () => {
    const m = await running.orderMetadata(order.id)
    return m?.['printforge_status'] === 'completed' ? m : null
  }, 30_000, 250)
  assert.equal(meta['printforge_order_id'], sent.id)
  phase('signed webhook → Medusa order completed')

  // 4. Webhooks Medusa must refuse (401), and that leave the order as it was.
  const hook = `${running.url}/hooks/printforge`
  const body = JSON.stringify({ type: 'order.status_changed', timestamp: new Date(Date.now() + 60_000).toISOString(), data: { orderId: sent.id, externalId: order.id, status: 'failed', previousStatus: 'completed', reason: 'forged' } })
  const signed = (secretToUse: string, at: Date, payload = body) => {
    const id = `msg_${Math.random().toString(36).slice(2)}`
    return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secretToUse).sign(id, at, payload) }
  }
  const post = (headers: Record<string, string>, payload = body) => fetch(hook, { method: 'POST', headers, body: payload }).then((r) => r.status)
  assert.equal(await post({ 'content-type': 'application/json' }), 401, 'unsigned')
  assert.equal(await post(signed(`whsec_${Buffer.from('not the endpoint secret, 32 bytes').toString('base64')}`, new Date())), 401, 'signed with another secret')
  assert.equal(await post(signed(secret, new Date(Date.now() - 10 * 60_000))), 401, 'stale: signed ten minutes ago')
  assert.equal(await post(signed(secret, new Date()), body.replace('forged', 'tampered')), 401, 'body changed after signing')
  assert.equal((await running.orderMetadata(order.id))?.['printforge_status'], 'completed', 'the refused webhooks changed nothing')
  phase('refused webhooks')

  // 5. The staff console's sign-in (docs/console.md) against the real Medusa: a preflight and a POST
  //    from the console's origin to /auth/user/emailpass, then the token Medusa issued on PrintForge.
  const email = 'operator@shop.test'
  const password = randomBytes(12).toString('base64url')
  await running.createUser(email, password)
  const signInUrl = `${running.url}/auth/user/emailpass`
  const preflight = await fetch(signInUrl, { method: 'OPTIONS', headers: { origin: consoleOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
  assert.equal(preflight.headers.get('access-control-allow-origin'), consoleOrigin, 'Medusa lets the console origin post the sign-in')
  const refused = await fetch(signInUrl, { method: 'POST', headers: { 'content-type': 'application/json', origin: consoleOrigin }, body: JSON.stringify({ email, password: `${password}x` }) })
  assert.equal(refused.status, 401, 'a wrong password')
  const signIn = await fetch(signInUrl, { method: 'POST', headers: { 'content-type': 'application/json', origin: consoleOrigin }, body: JSON.stringify({ email, password }) })
  assert.equal(signIn.status, 200)
  assert.equal(signIn.headers.get('access-control-allow-origin'), consoleOrigin)
  const { token } = (await signIn.json()) as { token: string }
  const person = { authorization: `Bearer ${token}` }
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { actor_id: string; actor_type: string }
  assert.equal(claims.actor_type, 'user')
  // Not staff yet: PrintForge knows the person and gives them nothing (the console refuses role none).
  assert.equal(((await json(api, 'GET', '/me', person)).me as { role: string }).role, 'none')
  await json(api, 'GET', '/printers', person, undefined, 403)
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.staff.create({ data: { userId: claims.actor_id, role: 'operator', grantedBy: 'test' } }))
  await waitFor('the operator role on the Medusa token', async () => ((await json(api, 'GET', '/me', person)).me as { role: string }).role === 'operator', 10_000, 250)
  const fleet = (await json(api, 'GET', '/printers', person)).items as unknown[]
  assert.equal(fleet.length, 2, 'the operator sees the fleet with the token Medusa issued')
  phase('staff sign-in through Medusa')
})
