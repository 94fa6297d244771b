// docs/integrations.md "Webhooks": at least once across a crash. A worker killed while a delivery
// is in flight leaves the row pending under its lease; the next worker sends it again once the
// lease ends, with the same webhook-id, so a receiver that dedups on it acts exactly once.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { useWorkerEnv, waitFor } from './helper.ts'
import { spawnWorker, type WorkerProcess } from './process.ts'
import { createEndpoint, delivery, emit, startReceiver } from './webhook-receiver.ts'

const env = useWorkerEnv()
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined
after(() => receiver?.close())

test('SIGKILL mid-delivery loses nothing: sent again after the lease, recorded delivered once, same webhook-id', async (t) => {
  // The first request is held open (the worker is mid-delivery when it dies); later ones answer 200.
  receiver = await startReceiver((_path, n) => (n === 1 ? null : 200))
  const start = () => spawnWorker(env.config, { QUEUE_PREFIX: env.prefix, WORKER_QUEUES: 'webhooks', WORKER_LOCK_MS: '3000', WEBHOOK_DEV_TARGETS: `127.0.0.1:${receiver!.port}` })
  let worker: WorkerProcess = await start()
  t.after(() => worker.kill())
  const { secret } = await createEndpoint(env, receiver.url('/hook'))
  const [id] = await emit(env, 'scan.stored', { scanJobId: 'kill' })
  await waitFor('request in flight', () => receiver!.on('/hook').length === 1)
  await worker.kill('SIGKILL')
  const orphan = await delivery(env, id!)
  assert.deepEqual([orphan.status, orphan.attempts], ['pending', 1], 'the row still owes the delivery')

  worker = await start()
  const done = await waitFor('delivered after restart', async () => ((await delivery(env, id!)).status === 'delivered' ? delivery(env, id!) : null), 60_000, 250)
  assert.equal(done.attempts, 2)
  const requests = receiver.on('/hook')
  assert.equal(requests.length, 2, 'sent again, not lost')
  const seen = new Set(requests.map((r) => r.headers['webhook-id']))
  assert.deepEqual([...seen], [done.eventId], 'one webhook-id: the receiver dedups')
  assert.ok(!worker.output().includes(secret.slice(6)) && !worker.output().includes('whsec_'), 'no secret in the worker log')
})
