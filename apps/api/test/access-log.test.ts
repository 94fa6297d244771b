import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import { AccessLog } from '../src/lib/access-log.ts'

// What the API logs per request (src/lib/access-log.ts): failures and slow responses at info and
// above, every request only at debug.
function capture() {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>)
      callback()
    },
  })
  return { lines, stream }
}

/** `slowMs` far above or below the routes' times: the outcome never depends on the machine's load. */
async function appAt(level: string, stream: Writable, slowMs: number): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level, stream }, logController: new AccessLog(slowMs) })
  app.get('/ok', async () => ({ ok: true }))
  app.get('/slow', async () => {
    await new Promise((r) => setTimeout(r, 80))
    return { ok: true }
  })
  app.get('/boom', async () => {
    throw new Error('boom')
  })
  app.get('/missing', async (_request, reply) => reply.code(404).send({ code: 'NOT_FOUND' }))
  // The API's probe routes; a degraded readiness answers 503.
  app.get('/health', async () => ({ status: 'ok' }))
  app.get('/health/ready', async (_request, reply) => reply.code(503).send({ status: 'degraded' }))
  await app.ready()
  return app
}

describe('access log', () => {
  const info = capture()
  const slow = capture()
  const debug = capture()
  let atInfo: FastifyInstance
  let slowAtInfo: FastifyInstance
  let atDebug: FastifyInstance
  before(async () => {
    atInfo = await appAt('info', info.stream, 60_000)
    slowAtInfo = await appAt('info', slow.stream, 20)
    atDebug = await appAt('debug', debug.stream, 60_000)
  })
  after(async () => {
    await Promise.all([atInfo.close(), slowAtInfo.close(), atDebug.close()])
  })

  test('at info a success or a 4xx writes no line; a failure does, with its request id', async () => {
    for (const url of ['/ok', '/missing', '/boom']) await atInfo.inject({ url })
    const completions = info.lines.filter((l) => l['responseTime'] !== undefined)
    assert.deepEqual(completions.map((l) => [l['msg'], l['level']]), [['request failed', 50]])
    assert.equal(typeof completions[0]?.['reqId'], 'string')
  })

  test('health probes write nothing at info, even a degraded readiness (503); at debug they do', async () => {
    const before = info.lines.length
    for (const url of ['/health', '/health/ready', '/health/ready']) await atInfo.inject({ url })
    assert.deepEqual(info.lines.slice(before), [])
    for (const url of ['/health', '/health/ready']) await atDebug.inject({ url })
    const probes = debug.lines.filter((l) => l['msg'] === 'health probe')
    assert.deepEqual(probes.map((l) => (l['res'] as { statusCode: number }).statusCode), [200, 503])
  })

  test('a slow response is a warning with its time, even when it succeeded', async () => {
    await slowAtInfo.inject({ url: '/slow' })
    const warned = slow.lines.filter((l) => l['msg'] === 'slow response')
    assert.equal(warned.length, 1)
    assert.equal(warned[0]?.['level'], 40)
    assert.ok((warned[0]?.['responseTime'] as number) >= 20)
  })

  test('at debug every request has its completion line with status and time', async () => {
    for (const url of ['/ok', '/missing']) await atDebug.inject({ url })
    const done = debug.lines.filter((l) => l['msg'] === 'request completed')
    assert.deepEqual(done.map((l) => (l['res'] as { statusCode: number }).statusCode), [200, 404])
    assert.ok(done.every((l) => typeof l['responseTime'] === 'number'))
  })
})
