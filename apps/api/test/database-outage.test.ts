import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { toAppError } from '@printforge/db'
import { DriverAdapterError } from '@prisma/driver-adapter-utils'
import pg from 'pg'
import { jpeg } from './images.ts'
import { multipart } from './helper.ts'
import { spawnApi, type ApiProcess } from './process.ts'

// Review finding 8: PostgreSQL dying while a request held a pooled connection made that client
// emit an unheard 'error', and the API process exited. Here the server processes behind the
// API's connections are killed again and again under load; the process must live and answer
// only 200 or 503.
let api: ApiProcess
let superuser: pg.Client

before(async () => {
  api = await spawnApi()
  superuser = new pg.Client({ connectionString: api.database.superuserUrl })
  await superuser.connect()
})
after(async () => {
  await superuser?.end()
  await api?.stop()
})

describe('database connections killed under load (review finding 8)', () => {
  test('the API keeps running and answers 200 or 503, never 500, and serves again after', { timeout: 120_000 }, async () => {
    const c = { id: `cus_${randomBytes(6).toString('hex')}` }
    const auth = { authorization: `Bearer ${api.token({ actor_id: c.id, actor_type: 'customer' })}` }
    const body = multipart([{ name: 'title', value: 'load' }, { name: 'images', filename: 'a.jpg', content: await jpeg() }])
    let created: Response
    let text: string
    // A loaded machine can make the fresh process's Redis look slow for a moment (503): retry.
    for (let attempt = 0; ; attempt++) {
      created = await fetch(`${api.url}/jobs/create`, { method: 'POST', headers: { ...auth, ...body.headers }, body: body.payload })
      text = await created.text()
      if (created.status !== 503 || attempt === 20) break
      await new Promise((r) => setTimeout(r, 500))
    }
    assert.equal(created.status, 202, text)
    const jobId = (JSON.parse(text) as { job: { id: string } }).job.id
    // A fresh customer per request: each read runs the hot path (one pooled connection, readOnce)
    // and answers 404 (not theirs), and no per-actor rate limit slows the load down.
    const stranger = () => ({ authorization: `Bearer ${api.token({ actor_id: `cus_${randomBytes(6).toString('hex')}`, actor_type: 'customer' })}` })
    const statuses = new Map<number, number>()
    let running = true
    const load = Promise.all(Array.from({ length: 20 }, async () => {
      while (running) {
        const res = await fetch(`${api.url}/jobs/${jobId}`, { headers: stranger() }).catch(() => null)
        const status = res?.status ?? 0
        await res?.arrayBuffer()
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }
    }))
    let killed = 0
    for (let round = 0; round < 15; round++) {
      await new Promise((r) => setTimeout(r, 150))
      const { rowCount } = await superuser.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'printforge' AND pid <> pg_backend_pid()`,
        [api.database.name],
      )
      killed += rowCount ?? 0
      assert.ok(api.alive(), `the API process exited after ${killed} connections were killed`)
    }
    running = false
    await load
    assert.ok(killed > 10, `only ${killed} connections were killed: the test did not bite`)
    assert.ok(api.alive(), 'the API process exited')
    const unexpected = [...statuses.keys()].filter((s) => s !== 404 && s !== 503)
    assert.deepEqual(unexpected, [], `statuses seen: ${JSON.stringify([...statuses])}`)
    assert.ok((statuses.get(503) ?? 0) > 0, `no request saw the outage: ${JSON.stringify([...statuses])}`)
    const res = await fetch(`${api.url}/jobs/${jobId}`, { headers: auth })
    assert.equal(res.status, 200)
  })

  test('P2028 (a transaction that could not start in time) is a 503, like every "database unavailable" error', () => {
    for (const code of ['P2028', 'P2024', 'P1001', 'P1017']) assert.equal(toAppError(Object.assign(new Error('x'), { code }))?.status, 503, code)
    // What Prisma's pg adapter throws when the socket dies under a transaction (seen in the fault drill).
    for (const kind of ['ConnectionClosed', 'DatabaseNotReachable', 'SocketTimeout'] as const) {
      const err = new DriverAdapterError(kind === 'DatabaseNotReachable' ? { kind, host: 'h', port: 1 } : { kind })
      assert.equal(toAppError(err)?.status, 503, kind)
      assert.equal(toAppError(new Error('wrapped', { cause: err }))?.status, 503, `${kind} wrapped`)
    }
  })
})
