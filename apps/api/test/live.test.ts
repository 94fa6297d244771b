import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { movePrintJob } from '@printforge/domain'
import { createSigner } from 'fast-jwt'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { SECURITY_HEADERS } from '../src/plugins/external/security-headers.ts'
import { createKey, bearer } from './api-keys.helpers.ts'
import { multipart, randomId, useApi, type TestApi } from './helper.ts'
import { slicedProject } from './models.ts'
import { SseReader } from './sse.ts'
import { until } from './until.ts'

// docs/console.md "GET /live — the live stream". Real PostgreSQL (the triggers' NOTIFY and one
// LISTEN connection), real Redis (the per-person cap) and a listening API read with fetch, as the
// console reads it. The role check and keepalive run faster than in production; the 250 ms
// coalescing window is the real one.
const TIMINGS = { roleCheckMs: 300, keepaliveMs: 500 }
const api = useApi({}, { liveTimings: TIMINGS })

let base = ''

const open = (auth: Record<string, string>, at = base) => SseReader.open(`${at}/live`, auth)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let serials = 0
async function registerPrinter(): Promise<string> {
  const admin = await api.staff('admin')
  const res = await api.app.inject({
    method: 'POST', url: '/printers', headers: admin.auth,
    payload: { name: 'Live X1C', model: 'X1C', serial: `00M0LIVE${String(++serials).padStart(7, '0')}`, host: '192.168.1.60', accessCode: '12345678' },
  })
  assert.equal(res.statusCode, 201, res.body)
  return res.json().printer.id as string
}

/** What the worker writes when a printer reports (apps/worker/src/printers/status-writer.ts). */
function writeStatus(printerId: string, data: { progress?: number; nozzleTemp?: number; online?: boolean }) {
  return withTx(api.db, SYSTEM_CONTEXT, (tx) =>
    tx.printerStatus.upsert({ where: { printerId }, create: { printerId, ...data }, update: data, select: { printerId: true } }),
  )
}

/** printforge_api_live_streams as Prometheus would scrape it. */
async function gauge(): Promise<number> {
  const text = await api.app.metrics.registry.getSingleMetricAsString('printforge_api_live_streams')
  return Number(/printforge_api_live_streams\{[^}]*\} (\d+)/.exec(text)?.[1])
}

/** Kills every API instance's LISTEN connection from the server side, as a database restart would. */
async function terminateListeners(): Promise<number> {
  const su = new pg.Client({ connectionString: api.database.superuserUrl })
  await su.connect()
  try {
    const { rowCount } = await su.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'printforge-live-listener' AND datname = current_database()",
    )
    return rowCount ?? 0
  } finally {
    await su.end()
  }
}

const slotsOf = (app: FastifyInstance, actorId: string) => app.redis.fast.zcard(`live-streams:user:${actorId}`)

/** A second API instance on the same database and Redis (another replica behind the balancer). */
async function replica(t: { after(fn: () => Promise<unknown>): void }, overrides: Partial<TestApi['config']> = {}, logStream?: NodeJS.WritableStream) {
  const app = await buildApp({
    config: { ...api.config, ...overrides }, queuePrefix: api.queuePrefix, redisKeyPrefix: `${api.queuePrefix}:`, liveTimings: TIMINGS, ...(logStream ? { logStream } : {}),
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  // Bounded: a close that hangs on an open stream must fail its test, not stall the file.
  t.after(() => Promise.race([app.close(), sleep(5_000)]))
  const address = app.server.address()
  return { app, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` }
}

describe('GET /live (docs/console.md)', () => {
  // Suite-level: file-level `before` hooks run side by side, and this one needs useApi's app.
  before(async () => {
    await api.app.listen({ host: '127.0.0.1', port: 0 })
    const address = api.app.server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  })

  describe('GET /live: who may open it', () => {
    test('no token → 401; a customer, a user without a staff role and an API key → 403', async () => {
      const none = await api.staff('none')
      const { key } = await createKey(api, { scopes: ['printers:read', 'jobs:read'] })
      const cases: [Record<string, string>, number, string][] = [
        [{}, 401, 'UNAUTHENTICATED'],
        [api.customer().auth, 403, 'FORBIDDEN'],
        [none.auth, 403, 'FORBIDDEN'],
        [bearer(key), 403, 'FORBIDDEN'],
      ]
      for (const [headers, status, code] of cases) {
        const res = await fetch(`${base}/live`, { headers })
        assert.equal(res.status, status)
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, code)
      }
    })

    test('an operator and an admin get `ready`, with the stream headers and every security header', async () => {
      for (const role of ['operator', 'admin'] as const) {
        const staff = await api.staff(role)
        const stream = await open(staff.auth)
        try {
          assert.equal(stream.status, 200)
          assert.deepEqual(JSON.parse((await stream.named('ready')).data), {})
          const headers = stream.headers
          assert.equal(headers['content-type'], 'text/event-stream; charset=utf-8')
          assert.equal(headers['cache-control'], 'no-store')
          assert.equal(headers['x-accel-buffering'], 'no')
          for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(headers[name], value, name)
        } finally {
          stream.abort()
        }
      }
    })
  })

  describe('GET /live: events', () => {
    test('a printer status write → a `printer` event equal to GET /printers/:id', async () => {
      const printerId = await registerPrinter()
      const operator = await api.staff('operator')
      const stream = await open(operator.auth)
      try {
        await stream.named('ready')
        await writeStatus(printerId, { online: true, progress: 42, nozzleTemp: 219.5 })
        const event = await stream.next((e) => e.event === 'printer' && JSON.parse(e.data).progress === 42)
        const rest = await api.app.inject({ method: 'GET', url: `/printers/${printerId}`, headers: operator.auth })
        assert.deepEqual(JSON.parse(event.data), rest.json().printer)
      } finally {
        stream.abort()
      }
    })

    test('a rename reaches the fleet page', async () => {
      const printerId = await registerPrinter()
      const operator = await api.staff('operator')
      const admin = await api.staff('admin')
      const stream = await open(operator.auth)
      try {
        await stream.named('ready')
        const res = await api.app.inject({ method: 'PATCH', url: `/printers/${printerId}`, headers: admin.auth, payload: { name: 'Renamed live' } })
        assert.equal(res.statusCode, 200, res.body)
        const event = await stream.next((e) => e.event === 'printer' && JSON.parse(e.data).name === 'Renamed live')
        assert.equal(JSON.parse(event.data).id, printerId)
      } finally {
        stream.abort()
      }
    })

    test('a print job dispatch and transition → `manufacturing` events equal to GET /manufacturing/:id', async () => {
      const admin = await api.staff('admin')
      const stream = await open(admin.auth)
      try {
        await stream.named('ready')
        const body = multipart([{ name: 'model', value: 'P1S' }, { name: 'model', filename: 'benchy.gcode.3mf', content: await slicedProject(), contentType: 'application/octet-stream' }])
        const created = await api.app.inject({ method: 'POST', url: '/manufacturing/create', headers: { ...admin.auth, ...body.headers }, payload: body.payload })
        assert.equal(created.statusCode, 202, created.body)
        const id = created.json().manufacturingJob.id as string
        await stream.next((e) => e.event === 'manufacturing' && JSON.parse(e.data).id === id && JSON.parse(e.data).status === 'queued')
        // The worker's claim, as it makes it: the row, its history and the webhook event in one transaction.
        await withTx(api.db, SYSTEM_CONTEXT, (tx) => movePrintJob(tx, { jobId: id, from: ['queued'], to: 'uploading' }))
        const event = await stream.next((e) => e.event === 'manufacturing' && JSON.parse(e.data).status === 'uploading')
        const rest = await api.app.inject({ method: 'GET', url: `/manufacturing/${id}`, headers: admin.auth })
        assert.deepEqual(JSON.parse(event.data), rest.json().manufacturingJob)
      } finally {
        stream.abort()
      }
    })

    test('a burst of 20 writes to one printer within 250 ms becomes far fewer events, the last one current', async (t) => {
      const printerId = await registerPrinter()
      const operator = await api.staff('operator')
      const stream = await open(operator.auth)
      try {
        await stream.named('ready')
        const from = stream.events.length
        const started = Date.now()
        for (let i = 1; i <= 20; i++) await writeStatus(printerId, { progress: i })
        const burstMs = Date.now() - started
        await stream.next((e) => e.event === 'printer' && JSON.parse(e.data).progress === 20, 5_000, from)
        await sleep(600)
        const events = stream.events.slice(from).filter((e) => e.event === 'printer')
        // One read per 250 ms window: a burst that took burstMs spans at most burstMs / 250 + 1 windows.
        assert.ok(events.length <= Math.ceil(burstMs / 250) + 1 && events.length < 20 / 2, `${events.length} events for 20 writes in ${burstMs} ms`)
        assert.equal(JSON.parse(events.at(-1)!.data).progress, 20)
        t.diagnostic(`${events.length} printer events for 20 status writes in ${burstMs} ms`)
      } finally {
        stream.abort()
      }
    })

    test('keepalive comments arrive; nothing of a customer reaches a stream', async () => {
      const operator = await api.staff('operator')
      const stream = await open(operator.auth)
      try {
        await stream.named('ready')
        const from = stream.events.length
        // A customer's scan job changes: no trigger on scan_jobs, so no event.
        const customer = api.customer()
        const scan = await withTx(api.db, SYSTEM_CONTEXT, (tx) =>
          tx.scanJob.create({ data: { customerId: customer.id, title: 'private scan', imageCount: 1 }, select: { id: true } }),
        )
        await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.update({ where: { id: scan.id }, data: { title: 'still private' }, select: { id: true } }))
        // Anyone with a database connection can NOTIFY: a forged payload naming the scan job, a
        // kind the API does not stream, an id that names nothing, and garbage are all dropped.
        const notify = (payload: string) => withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.$executeRaw`SELECT pg_notify('printforge_live', ${payload})`)
        await notify(JSON.stringify({ kind: 'scan', id: scan.id }))
        await notify(JSON.stringify({ kind: 'manufacturing', id: scan.id }))
        await notify(JSON.stringify({ kind: 'printer', id: randomUUID() }))
        await notify('not json')
        await sleep(1_200)
        assert.deepEqual(stream.events.slice(from), [])
        assert.ok(stream.comments.includes('keepalive'), 'a keepalive comment arrived')
        const everything = JSON.stringify(stream.events)
        assert.ok(!everything.includes(customer.id) && !everything.includes('private'))
      } finally {
        stream.abort()
      }
    })
  })

  describe('GET /live: limits', () => {
    test('a fifth stream → 429 TOO_MANY_STREAMS; closing one frees its slot, listener and gauge', async () => {
      const operator = await api.staff('operator')
      const subscribers = api.app.live.listener.subscriberCount
      const streams = await Promise.all([1, 2, 3, 4].map(() => open(operator.auth)))
      try {
        for (const s of streams) await s.named('ready')
        assert.equal(await slotsOf(api.app, operator.id), 4)
        assert.equal(api.app.live.listener.subscriberCount, subscribers + 4)
        assert.ok(api.app.live.open >= 4 && (await gauge()) === api.app.live.open, 'the gauge counts open streams')
        const fifth = await fetch(`${base}/live`, { headers: operator.auth })
        assert.equal(fifth.status, 429)
        assert.equal(((await fifth.json()) as { error: { code: string } }).error.code, 'TOO_MANY_STREAMS')
        // Another person is not counted against this one.
        const other = await open((await api.staff('operator')).auth)
        await other.named('ready')
        other.abort()

        streams[0]!.abort()
        await until('the slot to be released', async () => (await slotsOf(api.app, operator.id)) === 3)
        await until('the listener to be released', () => api.app.live.listener.subscriberCount === subscribers + 3)
        const again = await open(operator.auth)
        await again.named('ready')
        streams.push(again)
      } finally {
        for (const s of streams) s.abort()
      }
      await until('every stream to be released', async () => (await slotsOf(api.app, operator.id)) === 0 && api.app.live.listener.subscriberCount === subscribers)
      assert.equal(await gauge(), api.app.live.open)
    })

    test('the cap holds across instances, and a crashed instance\'s streams expire', async (t) => {
      const other = await replica(t)
      const operator = await api.staff('operator')
      const streams = [await open(operator.auth), await open(operator.auth), await open(operator.auth, other.base), await open(operator.auth, other.base)]
      try {
        for (const s of streams) await s.named('ready')
        for (const at of [base, other.base]) {
          const refused = await fetch(`${at}/live`, { headers: operator.auth })
          assert.equal(refused.status, 429)
          assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'TOO_MANY_STREAMS')
        }
      } finally {
        for (const s of streams) s.abort()
      }
      await until('the slots to be released', async () => (await slotsOf(api.app, operator.id)) === 0)
      // Four members whose instance died without releasing them: their heartbeat stops, and three
      // missed heartbeats later they no longer count.
      const key = `live-streams:user:${operator.id}`
      const stale = (await api.app.redis.fast.time())[0] as unknown as string
      for (let i = 0; i < 4; i++) await api.app.redis.fast.zadd(key, (Number(stale) * 1000 - TIMINGS.keepaliveMs * 3 - 1_000), `crashed-${i}`)
      const fresh = await open(operator.auth)
      try {
        await fresh.named('ready')
      } finally {
        fresh.abort()
      }
    })

    test('the route is rate-limited to 30 a minute', async () => {
      const operator = await api.staff('operator')
      const statuses: number[] = []
      const streams: SseReader[] = []
      try {
        for (let i = 0; i < 31; i++) {
          const s = await open(operator.auth)
          statuses.push(s.status)
          if (s.status === 200) {
            await s.named('ready')
            s.abort()
            await until('the slot to be released', async () => (await slotsOf(api.app, operator.id)) === 0)
          } else streams.push(s)
        }
      } finally {
        for (const s of streams) s.abort()
      }
      assert.deepEqual(statuses.slice(0, 30).filter((s) => s !== 200), [])
      assert.equal(statuses[30], 429)
    })
  })

  describe('GET /live: how a stream ends', () => {
    test('a revoked staff role → `bye role_revoked`, then the stream closes', async () => {
      const operator = await api.staff('operator')
      const stream = await open(operator.auth)
      await stream.named('ready')
      await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.staff.delete({ where: { userId: operator.id } }))
      // The role cache (ROLE_CACHE_TTL_MS 1 s here) plus one check interval.
      const bye = await stream.named('bye', 4_000)
      assert.deepEqual(JSON.parse(bye.data), { reason: 'role_revoked' })
      await stream.closed()
      await until('the slot to be released', async () => (await slotsOf(api.app, operator.id)) === 0)
    })

    test('a token near its exp → `bye token_expired` at exp', async () => {
      const userId = randomId('user')
      await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.staff.create({ data: { userId, role: 'operator', grantedBy: 'test' } }))
      const sign = createSigner({ key: api.config.JWT_SECRET!, algorithm: 'HS256' })
      const now = Math.floor(Date.now() / 1000)
      const token = sign({ actor_id: userId, actor_type: 'user', auth_identity_id: randomId('authid'), iat: now, exp: now + 2 })
      const stream = await open({ authorization: `Bearer ${token}` })
      await stream.named('ready')
      const bye = await stream.named('bye', 5_000)
      assert.ok(Date.now() >= (now + 2) * 1000 - 50, 'not before exp')
      assert.deepEqual(JSON.parse(bye.data), { reason: 'token_expired' })
      await stream.closed()
    })

    test('LIVE_MAX_STREAM_SECONDS → `bye max_duration`', async (t) => {
      const short = await replica(t, { LIVE_MAX_STREAM_SECONDS: 1 })
      const stream = await open((await api.staff('operator')).auth, short.base)
      await stream.named('ready')
      assert.deepEqual(JSON.parse((await stream.named('bye', 4_000)).data), { reason: 'max_duration' })
      await stream.closed()
    })

    test('a lost LISTEN connection ends the streams (`bye shutdown`), says why without the URL, and reconnects', async (t) => {
      const lines: string[] = []
      const log = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) })
      const other = await replica(t, { LOG_LEVEL: 'warn' }, log)
      const operator = await api.staff('operator')
      const stream = await open(operator.auth, other.base)
      await stream.named('ready')
      const pids = await terminateListeners()
      assert.ok(pids > 0)
      assert.deepEqual(JSON.parse((await stream.named('bye', 3_000)).data), { reason: 'shutdown' })
      const lost = lines.find((l) => l.includes('live_listen_lost'))
      assert.ok(lost, 'an alert names the lost connection')
      assert.ok(!lost.includes(new URL(api.config.DATABASE_URL).password) && !lost.includes('postgres://') && !lost.includes('postgresql://'), lost)
      await until('the listeners to reconnect', () => other.app.live.listener.listening && api.app.live.listener.listening)
      const again = await open(operator.auth, other.base)
      try {
        await again.named('ready')
        const printerId = await registerPrinter()
        await writeStatus(printerId, { progress: 7 })
        await again.next((e) => e.event === 'printer' && JSON.parse(e.data).id === printerId)
      } finally {
        again.abort()
      }
    })

    test('without a LISTEN connection the route answers 503 (`ready` would promise what it cannot keep)', async (t) => {
      const other = await replica(t)
      await other.app.live.listener.close()
      const res = await fetch(`${other.base}/live`, { headers: (await api.staff('operator')).auth })
      assert.equal(res.status, 503)
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNAVAILABLE')
    })

    test('app.close() ends every stream with `bye shutdown` at once', async (t) => {
      const other = await replica(t)
      const streams = await Promise.all([open((await api.staff('operator')).auth, other.base), open((await api.staff('admin')).auth, other.base)])
      for (const s of streams) await s.named('ready')
      const started = Date.now()
      const closed = await Promise.race([other.app.close().then(() => true), sleep(3_000).then(() => false)])
      const closeMs = Date.now() - started
      assert.ok(closed, 'app.close() returned while streams were open')
      for (const s of streams) {
        assert.deepEqual(JSON.parse((await s.named('bye', 1_000)).data), { reason: 'shutdown' })
        await s.closed(1_000)
      }
      assert.ok(closeMs < 2_000, `close took ${closeMs} ms`)
      t.diagnostic(`app.close() with 2 open streams: ${closeMs} ms`)
      assert.equal(other.app.live.open, 0)
    })
  })

  after(() => {
    assert.equal(api.app.live.open, 0, 'every stream of this file was released')
  })
})
