// docs/integrations.md "Webhooks": signing (verified with the standardwebhooks reference
// verifier), rotation, retries to dead and replay, redirects, the per-endpoint slot cap, the
// connect-time address check, and the worker's events. Real PostgreSQL, Redis, HTTP receivers.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { emitPrinterTransitions, emitScanFinished, finishScanJob, replayWebhookDelivery, rotateWebhookSecret, startScanProcessing } from '@printforge/domain'
import { Webhook } from 'standardwebhooks'
import { createScanJob, startTestWorker, useWorkerEnv, waitFor } from './helper.ts'
import { capturedLogger } from './print-flow.ts'
import type { RunningWorker } from '../src/worker.ts'
import { ADMIN, createEndpoint, delivery, emit, startReceiver } from './webhook-receiver.ts'

const env = useWorkerEnv()
const log = capturedLogger()
let receiver: Awaited<ReturnType<typeof startReceiver>>
let worker: RunningWorker
let fixed = false

before(async () => {
  await env.ready
  receiver = await startReceiver((path) => {
    if (path === '/ok') return 200
    if (path === '/fail') return fixed ? 204 : 500
    if (path === '/redirect') return 302
    if (path === '/slow') return null
    return 404
  })
  worker = await startTestWorker(env, {
    queues: ['webhooks'], logger: log.logger,
    webhooks: {
      pollMs: 200, delaysMs: [100, 100], timeouts: { connectMs: 1_000, totalMs: 3_000 }, endpointConcurrency: 2,
      // Every name resolves to loopback at connect time: what a DNS rebinding attack would answer.
      lookup: (_host, _opts, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]),
    },
  }, { ...env.config, WEBHOOK_DEV_TARGETS: `127.0.0.1:${receiver.port}` })
})
after(async () => {
  await worker?.close()
  await receiver?.close()
})

const deliveredAt = (id: string) => waitFor(`delivery ${id} delivered`, async () => ((await delivery(env, id)).status === 'delivered' ? delivery(env, id) : null), 15_000)

test('an emitted event is delivered once, signed so that the reference verifier accepts it; a tampered body or an old timestamp fails', async () => {
  const { secret, endpoint } = await createEndpoint(env, receiver.url('/ok'))
  const [id] = await emit(env, 'scan.stored', { scanJobId: 'a' })
  const row = await deliveredAt(id!)
  assert.equal(row.attempts, 1)
  assert.equal(row.lastStatusCode, 200)
  assert.equal(row.responseSnippet, 'thanks')
  const got = receiver.on('/ok').find((r) => r.headers['webhook-id'] === row.eventId)!
  const headers = { 'webhook-id': String(got.headers['webhook-id']), 'webhook-timestamp': String(got.headers['webhook-timestamp']), 'webhook-signature': String(got.headers['webhook-signature']) }
  const payload = new Webhook(secret).verify(got.body, headers) as { type: string; data: { scanJobId: string } }
  assert.equal(payload.type, 'scan.stored')
  assert.equal(payload.data.scanJobId, 'a')
  assert.equal(got.headers['content-type'], 'application/json')
  assert.throws(() => new Webhook(secret).verify(got.body.replace('"a"', '"b"'), headers), /signature/i)
  const old = new Date(Date.now() - 10 * 60_000)
  const oldHeaders = { ...headers, 'webhook-timestamp': String(Math.floor(old.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(headers['webhook-id'], old, got.body) }
  assert.throws(() => new Webhook(secret).verify(got.body, oldHeaders), /too old/i)
  assert.ok(endpoint.secrets.length === 1 && !JSON.stringify(endpoint).includes('whsec_'))
})

test('after a rotation both secrets sign until the old one expires, then only the new one', async () => {
  const { endpoint, secret: oldSecret } = await createEndpoint(env, receiver.url('/ok'), ['printer.offline'])
  const { secret: newSecret } = await withTx(env.db, ADMIN, (tx) => rotateWebhookSecret(tx, env.keyring, endpoint.id, 3_600, { actorType: 'user', actorId: ADMIN.actorId }, {}))
  const verifyWith = async (secret: string, eventId: string) => {
    const got = receiver.on('/ok').find((r) => r.headers['webhook-id'] === eventId)!
    assert.ok(got, 'received')
    const headers = { 'webhook-id': eventId, 'webhook-timestamp': String(got.headers['webhook-timestamp']), 'webhook-signature': String(got.headers['webhook-signature']) }
    try {
      new Webhook(secret).verify(got.body, headers)
      return true
    } catch {
      return false
    }
  }
  const [during] = await emit(env, 'printer.offline', { printerId: 'p' })
  const first = await deliveredAt(during!)
  assert.equal(await verifyWith(oldSecret, first.eventId), true, 'old secret verifies during the overlap')
  assert.equal(await verifyWith(newSecret, first.eventId), true, 'new secret verifies')
  assert.equal(String(receiver.on('/ok').find((r) => r.headers['webhook-id'] === first.eventId)!.headers['webhook-signature']).split(' ').length, 2)

  await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.webhookSecret.updateMany({ where: { endpointId: endpoint.id, expiresAt: { not: null } }, data: { expiresAt: new Date(Date.now() - 1_000) } }))
  const [afterExpiry] = await emit(env, 'printer.offline', { printerId: 'p' })
  const second = await deliveredAt(afterExpiry!)
  assert.equal(await verifyWith(oldSecret, second.eventId), false, 'expired secret no longer verifies')
  assert.equal(await verifyWith(newSecret, second.eventId), true)
})

test('a failing endpoint is retried on the schedule, then dead with its audit row and alert; replay delivers it', async () => {
  const { endpoint } = await createEndpoint(env, receiver.url('/fail'), ['scan.failed'])
  const [id] = await emit(env, 'scan.failed', { scanJobId: 'f' })
  const dead = await waitFor('dead', async () => ((await delivery(env, id!)).status === 'dead' ? delivery(env, id!) : null), 15_000)
  assert.equal(dead.attempts, 3, 'first attempt and two retries (test schedule)')
  assert.equal(dead.lastStatusCode, 500)
  assert.equal(dead.responseSnippet?.length, 256, 'the answer is kept to 256 characters')
  assert.equal(receiver.on('/fail').filter((r) => r.headers['webhook-id'] === dead.eventId).length, 3)
  const audit = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { action: 'webhook.dead', targetId: id! } }))
  assert.equal(audit.length, 1)
  assert.equal(audit[0]!.actorType, 'system')
  assert.ok(log.lines.some((l) => l['alert'] === 'webhook_dead' && l['deliveryId'] === id))

  fixed = true
  await withTx(env.db, ADMIN, (tx) => replayWebhookDelivery(tx, endpoint.id, id!, { actorType: 'user', actorId: ADMIN.actorId }, {}))
  const done = await deliveredAt(id!)
  assert.equal(done.attempts, 1, 'replay starts a fresh count')
  assert.equal(done.lastStatusCode, 204)
  const ids = receiver.on('/fail').filter((r) => r.headers['webhook-id'] === dead.eventId)
  assert.equal(ids.length, 4, 'the same webhook-id every time: receivers dedup on it')
})

test('a redirect is not followed: 3xx is a failure', async () => {
  await createEndpoint(env, receiver.url('/redirect'), ['manufacturing.status_changed'])
  const before = receiver.on('/ok').length
  const [id] = await emit(env, 'manufacturing.status_changed', { manufacturingJobId: 'm' })
  const dead = await waitFor('dead', async () => ((await delivery(env, id!)).status === 'dead' ? delivery(env, id!) : null), 15_000)
  assert.equal(dead.lastStatusCode, 302)
  assert.match(dead.lastError ?? '', /redirect/)
  assert.equal(receiver.on('/ok').length, before, 'the Location was never requested')
})

test('a stalled endpoint holds at most its slots: another endpoint is delivered at once, and emitting stays fast', async () => {
  await createEndpoint(env, receiver.url('/slow'), ['order.status_changed'])
  const fast = await createEndpoint(env, receiver.url('/ok'), ['printer.error'])
  for (let i = 0; i < 12; i++) await emit(env, 'order.status_changed', { orderId: String(i) })
  await waitFor('slow endpoint holding its slots', () => receiver.on('/slow').length >= 2)
  const started = Date.now()
  const [id] = await emit(env, 'printer.error', { printerId: 'e' })
  const emitMs = Date.now() - started
  const row = await deliveredAt(id!)
  assert.ok(row.deliveredAt!.getTime() - started < 2_000, `delivered ${row.deliveredAt!.getTime() - started} ms after the emit, behind a stalled endpoint`)
  assert.ok(emitMs < 500, `emit took ${emitMs} ms`)
  assert.ok(receiver.on('/slow').length <= 2, 'at most the cap in flight to the stalled endpoint at once')
  assert.equal(row.endpointId, fast.endpoint.id)
})

test('a name that resolves to a private address at connect time is refused (DNS rebinding), nothing is sent', async () => {
  await createEndpoint(env, 'https://hooks.example.com/rebind', ['scan.stored'])
  const [, id] = await emit(env, 'scan.stored', { scanJobId: 'r' }) // the /ok endpoint of the first test is subscribed too
  const ids = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.webhookDelivery.findMany({ where: { endpoint: { url: 'https://hooks.example.com/rebind' } } }))
  const target = ids[0]!.id
  assert.ok(id)
  // attempts counts at the claim; the outcome is recorded after it.
  const row = await waitFor('attempt recorded', async () => ((await delivery(env, target)).lastError !== null ? delivery(env, target) : null), 15_000)
  assert.match(row.lastError ?? '', /refused target address \(loopback\)/)
  assert.equal(row.lastStatusCode, null)
  assert.ok(!receiver.received.some((r) => r.path === '/rebind'))
})

test('the worker emits scan.failed / scan.stored when a scan job finishes, and printer events on transitions only', async () => {
  const { jobId, customerId } = await createScanJob(env, [])
  await withTx(env.db, SYSTEM_CONTEXT, async (tx) => {
    await startScanProcessing(tx, jobId)
    await finishScanJob(tx, jobId)
  })
  const events = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.webhookEvent.findMany({ where: { type: 'scan.failed' } }))
  const mine = events.find((e) => (e.payload as { data: { scanJobId: string } }).data.scanJobId === jobId)
  assert.ok(mine, 'scan.failed recorded with the transition')
  assert.deepEqual((mine.payload as { data: object }).data, { scanJobId: jobId, customerId, status: 'failed', imageCount: 0, failureReason: null })
  // emitScanFinished on a job that is not finished records nothing.
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => emitScanFinished(tx, jobId))

  const printer = await withTx(env.db, SYSTEM_CONTEXT, (tx) =>
    tx.printer.create({ data: { name: 'P1', model: 'X1C', serial: 'SNWEBHOOK', host: '192.0.2.10', accessCodeCiphertext: new Uint8Array(1), accessCodeNonce: new Uint8Array(1), accessCodeKeyId: 'k1' }, select: { id: true } }),
  )
  const count = (type: string) => withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.webhookEvent.count({ where: { type, payload: { path: ['data', 'printerId'], equals: printer.id } } }))
  const on = { online: true, connection: 'online', errors: [] }
  const off = { online: false, connection: 'offline', errors: [] }
  const err = { online: true, connection: 'online', errors: [{ code: '0300_0100' }] }
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => emitPrinterTransitions(tx, printer.id, null, off))
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => emitPrinterTransitions(tx, printer.id, on, on))
  assert.equal(await count('printer.offline'), 0, 'no event without a transition')
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => emitPrinterTransitions(tx, printer.id, on, off))
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => emitPrinterTransitions(tx, printer.id, off, off))
  assert.equal(await count('printer.offline'), 1)
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => emitPrinterTransitions(tx, printer.id, on, err))
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => emitPrinterTransitions(tx, printer.id, err, err))
  assert.equal(await count('printer.error'), 1)
})

test('no secret is ever logged', () => {
  const text = JSON.stringify(log.lines)
  assert.ok(!text.includes('whsec_'), 'no whsec_ secret in the worker log')
})
