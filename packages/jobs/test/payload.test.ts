// The request id a job carries for correlation (docs/observability.md, "Following one print"):
// optional, a UUID when present, and nothing else slips in beside it.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { enqueue, InvalidJobPayload, parsePayload, withRequestId, type QueueMap } from '../src/index.ts'

const jobs = [
  ['scan.ingest', { scanJobId: randomUUID() }],
  ['print.dispatch', { manufacturingJobId: randomUUID() }],
  ['print.cancel', { manufacturingJobId: randomUUID() }],
] as const

test('scan.ingest, print.dispatch and print.cancel take an optional UUID request id', () => {
  for (const [name, base] of jobs) {
    const requestId = randomUUID()
    assert.deepEqual(parsePayload(name, { ...base, requestId }), { ...base, requestId })
    assert.deepEqual(parsePayload(name, base), base, `${name} without a request id (a job the sweep re-enqueued)`)
  }
})

test('a request id that is not a UUID is refused, on the producer side and the worker side', async () => {
  const added: unknown[] = []
  const queue = { add: async (...args: unknown[]) => void added.push(args) }
  const queues = { scans: queue, prints: queue, maintenance: queue } as unknown as QueueMap
  for (const [name, base] of jobs) {
    for (const requestId of ['req-1', '', '../../etc', `${randomUUID()}x`, 42, null]) {
      assert.throws(() => parsePayload(name, { ...base, requestId }), InvalidJobPayload, `${name} requestId ${String(requestId)}`)
      await assert.rejects(enqueue(queues, name, { ...base, requestId } as never, 'k'), InvalidJobPayload)
    }
    // Still strict beside it: no other field rides along.
    assert.throws(() => parsePayload(name, { ...base, requestId: randomUUID(), traceparent: '00-x' }), InvalidJobPayload)
  }
  assert.equal(added.length, 0)
})

test('withRequestId leaves an absent id absent', () => {
  assert.deepEqual(withRequestId(undefined), {})
  assert.deepEqual(withRequestId(''), {})
  const id = randomUUID()
  assert.deepEqual(withRequestId(id), { requestId: id })
})
