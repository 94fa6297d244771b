// The database dying or freezing under the pool. Solo (npm test runs *.solo.test.ts one at a time on
// an otherwise idle machine): it times how fast an outage is seen (1.5 s), and a machine busy with
// four other test files starves the health probe of CPU for longer than that.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import net from 'node:net'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createDatabase, DatabaseUnavailableError, isDatabaseUnavailable, readOnce, SYSTEM_CONTEXT, withTx } from '../src/index.ts'
import { useDatabase } from './helpers.ts'

const fx = useDatabase()

async function waitUntil(what: string, probe: () => Promise<boolean> | boolean, ms = 15_000) {
  const deadline = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('the database dying or freezing never takes the process down (review findings 8, 9)', () => {
  test('server processes killed under checked-out clients: the queries fail as "unavailable", the process lives, the pool recovers', { timeout: 60_000 }, async () => {
    const superuser = new pg.Client({ connectionString: fx.database.superuserUrl })
    await superuser.connect()
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/hold-connection.ts', import.meta.url))], {
        env: { ...process.env, DB_URL: fx.database.appUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      let err = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (err += d))
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
      const sleeping = `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'printforge' AND query LIKE '%pg_sleep(30)%'`
      await waitUntil('both queries running', async () => (await superuser.query(sleeping, [fx.database.name])).rowCount === 2)
      await superuser.query(`SELECT pg_terminate_backend(pid) FROM (${sleeping}) s`, [fx.database.name])
      assert.equal(await exited, 0, `the process died: ${err.slice(-2_000)}`)
      assert.deepEqual(JSON.parse(out), { held: ['unavailable', 'unavailable'], after: 1 })
    } finally {
      await superuser.end()
    }
  })

  test('a frozen server (it accepts, never answers): in-flight queries are cut once the outage is seen, new work fails at once, and service resumes after it', { timeout: 60_000 }, async () => {
    const proxy = await freezableProxy(new URL(fx.database.appUrl))
    const url = new URL(fx.database.appUrl)
    url.port = String(proxy.port)
    // A long connection timeout: only the outage detection may end the waits below.
    const db = createDatabase({ url: url.toString(), poolMax: 2, connectionTimeoutMs: 10_000, health: { intervalMs: 100, timeoutMs: 300, connectTimeoutMs: 1_000 } })
    try {
      assert.deepEqual(await readOnce(db.pool, SYSTEM_CONTEXT, 'SELECT 1 AS one', []), [{ one: 1 }])
      proxy.freeze()
      const started = Date.now()
      // Two hold the pool's connections, two more queue for one: all four end when the outage is seen.
      const inFlight = Array.from({ length: 4 }, () =>
        withTx(db.prisma, SYSTEM_CONTEXT, (tx) => tx.$queryRaw`SELECT 1`, { maxWaitMs: 10_000 }).then(() => 'ok', (e: unknown) => (isDatabaseUnavailable(e) ? 'unavailable' : String(e))),
      )
      assert.deepEqual(await Promise.all(inFlight), ['unavailable', 'unavailable', 'unavailable', 'unavailable'])
      const waited = Date.now() - started
      assert.ok(waited < 1_500, `a query on a frozen server waited ${waited} ms`)
      assert.equal(db.health.up, false)
      // Known down: refused in well under 100 ms, as a DatabaseUnavailableError.
      for (let i = 0; i < 20; i++) {
        const t = Date.now()
        await assert.rejects(readOnce(db.pool, SYSTEM_CONTEXT, 'SELECT 1', []), (e) => e instanceof DatabaseUnavailableError)
        await assert.rejects(withTx(db.prisma, SYSTEM_CONTEXT, (tx) => tx.$queryRaw`SELECT 1`), (e) => isDatabaseUnavailable(e))
        assert.ok(Date.now() - t < 100, `refusal took ${Date.now() - t} ms`)
      }
      proxy.thaw()
      await waitUntil('health back up', () => db.health.up, 10_000)
      assert.deepEqual(await readOnce(db.pool, SYSTEM_CONTEXT, 'SELECT 1 AS one', []), [{ one: 1 }])
    } finally {
      proxy.thaw()
      await db.close()
      proxy.close()
    }
  })
})

/**
 * A TCP relay to PostgreSQL that can freeze: connections stay open, bytes stop flowing both
 * ways and new connections are accepted but never forwarded — what a SIGSTOPped server or a
 * partition looks like from the client's side, without freezing the server other tests share.
 */
async function freezableProxy(target: URL) {
  let frozen = false
  const pending: Array<() => void> = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    sockets.add(client)
    client.on('error', () => {})
    client.on('close', () => sockets.delete(client))
    const connect = () => {
      const upstream = net.connect(Number(target.port), target.hostname)
      sockets.add(upstream)
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
      const relay = (from: net.Socket, to: net.Socket) =>
        from.on('data', (chunk: Buffer) => {
          if (frozen) pending.push(() => to.write(chunk))
          else to.write(chunk)
        })
      relay(client, upstream)
      relay(upstream, client)
    }
    if (frozen) pending.push(connect)
    else connect()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze: () => (frozen = true),
    thaw: () => {
      frozen = false
      for (const flush of pending.splice(0)) flush()
    },
    close: () => {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
}
