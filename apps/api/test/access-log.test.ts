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

async function appAt(level: string, stream: Writable): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level, stream }, logController: new AccessLog(50) })
  app.get('/ok', async () => ({ ok: true }))
  app.get('/slow', async () => {
    await new Promise((r) => setTimeout(r, 80))
    return { ok: true }
  })
  app.get('/boom', async () => {
    throw new Error('boom')
  })
  app.get('/missing', async (_request, reply) => reply.code(404).send({ code: 'NOT_FOUND' }))
  await app.ready()
  return app
}

describe('access log', () => {
  const info = capture()
  const debug = capture()
  let atInfo: FastifyInstance
  let atDebug: FastifyInstance
  before(async () => {
    atInfo = await appAt('info', info.stream)
    atDebug = await appAt('debug', debug.stream)
  })
  after(async () => {
    await atInfo.close()
    await atDebug.close()
  })

  test('at info a fast success or a 4xx writes no line; a failure and a slow response do', async () => {
    for (const url of ['/ok', '/missing', '/slow', '/boom']) await atInfo.inject({ url })
    const perRequest = info.lines.filter((l) => l['reqId'] !== undefined)
    assert.deepEqual(perRequest.map((l) => [l['msg'], l['level']]).filter(([m]) => m !== 'boom'), [
      ['slow response', 40],
      ['request failed', 50],
    ])
    assert.ok(perRequest.every((l) => typeof l['reqId'] === 'string'))
  })

  test('at debug every request has its completion line with status and time', async () => {
    for (const url of ['/ok', '/missing']) await atDebug.inject({ url })
    const done = debug.lines.filter((l) => l['msg'] === 'request completed')
    assert.deepEqual(done.map((l) => (l['res'] as { statusCode: number }).statusCode), [200, 404])
    assert.ok(done.every((l) => typeof l['responseTime'] === 'number'))
  })
})
