// The console's live-stream client (src/live/stream.ts) against a real HTTP server speaking
// server-sent events: parsing, the Authorization header, reconnect after the stream ends, and the
// ends that must not reconnect (401, `bye` for an expired token or a revoked role). The stream goes
// through @printforge/client, which refuses to send the token over plain http to another machine.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { createPrintForgeClient } from '@printforge/client'
import { openLiveStream, type LiveHandlers } from '../src/live/stream.ts'

type Handler = (req: IncomingMessage, res: ServerResponse, connection: number) => void

async function serve(handler: Handler) {
  let connections = 0
  const headers: (string | undefined)[] = []
  const server = createServer((req, res) => {
    connections += 1
    headers.push(req.headers.authorization)
    handler(req, res, connections)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    headers,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

function sse(res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' })
  return (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
}

function recorder() {
  const events: [string, unknown][] = []
  const statuses: boolean[] = []
  const ends: string[] = []
  let wake: (() => void) | undefined
  const changed = () => wake?.()
  const handlers: LiveHandlers = {
    onEvent: (name, data) => (events.push([name, data]), changed()),
    onStatus: (up) => (statuses.push(up), changed()),
    onUnauthorized: () => (ends.push('unauthorized'), changed()),
    onFinished: (reason) => (ends.push(reason), changed()),
  }
  const until = async (ok: () => boolean, what: string, ms = 5_000) => {
    const deadline = Date.now() + ms
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>((resolve) => {
        wake = resolve
        setTimeout(resolve, 50)
      })
    }
  }
  return { events, statuses, ends, handlers, until }
}

test('events are parsed, the token goes in Authorization, and a closed stream reconnects', async (t) => {
  const server = await serve((_req, res, n) => {
    const send = sse(res)
    send('ready', {})
    // An event split across two writes, a comment, and a second event.
    res.write(`event: printer\ndata: {"id":"p${n}",`)
    setTimeout(() => {
      res.write(`"name":"<b>x</b>"}\n\n: keepalive\n\n`)
      send('manufacturing', { id: `m${n}` })
      if (n === 1) res.end() // the first stream ends: the client comes back
    }, 20)
  })
  t.after(() => server.close())
  const r = recorder()
  const stop = openLiveStream(createPrintForgeClient({ baseUrl: server.origin, token: 'tok.en.value' }), r.handlers)
  t.after(stop)
  await r.until(() => r.events.filter(([name]) => name === 'ready').length >= 2, 'a second ready after the reconnect')
  stop()
  assert.deepEqual(r.events.slice(0, 3), [['ready', {}], ['printer', { id: 'p1', name: '<b>x</b>' }], ['manufacturing', { id: 'm1' }]])
  assert.deepEqual(r.statuses.slice(0, 3), [true, false, true], 'up, down when the stream ended, up again')
  assert.deepEqual(server.headers.slice(0, 2), ['Bearer tok.en.value', 'Bearer tok.en.value'])
  assert.deepEqual(r.ends, [])
})

test('a 401 ends the session and is not retried', async (t) => {
  const server = await serve((_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAUTHENTICATED","message":"no","requestId":"r"}}')
  })
  t.after(() => server.close())
  const r = recorder()
  t.after(openLiveStream(createPrintForgeClient({ baseUrl: server.origin, token: 'expired' }), r.handlers))
  await r.until(() => r.ends.length > 0, 'the 401')
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  assert.deepEqual(r.ends, ['unauthorized'])
  assert.equal(server.connections(), 1, 'no second attempt')
})

test('bye for an expired token finishes without reconnecting; bye for max_duration reconnects', async (t) => {
  const server = await serve((_req, res, n) => {
    const send = sse(res)
    send('ready', {})
    send('bye', { reason: n === 1 ? 'max_duration' : 'token_expired' })
    res.end()
  })
  t.after(() => server.close())
  const r = recorder()
  t.after(openLiveStream(createPrintForgeClient({ baseUrl: server.origin, token: 'tok' }), r.handlers))
  await r.until(() => r.ends.length > 0, 'the final bye', 8_000)
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  assert.deepEqual(r.ends, ['token_expired'])
  assert.equal(server.connections(), 2, 'reconnected once after max_duration, never after token_expired')
})

test('a refused stream (429, 5xx) is down and retried with backoff', async (t) => {
  const server = await serve((_req, res, n) => {
    if (n < 3) {
      res.writeHead(n === 1 ? 429 : 503).end()
      return
    }
    sse(res)('ready', {})
  })
  t.after(() => server.close())
  const r = recorder()
  const started = Date.now()
  t.after(openLiveStream(createPrintForgeClient({ baseUrl: server.origin, token: 'tok' }), r.handlers))
  await r.until(() => r.statuses.includes(true), 'the stream up after two refusals', 10_000)
  assert.deepEqual(r.statuses, [false, false, true])
  // Backoff: 0.5–1 s after the first refusal, 1–2 s after the second.
  assert.ok(Date.now() - started >= 1_500, `waited between attempts (${Date.now() - started} ms)`)
})
