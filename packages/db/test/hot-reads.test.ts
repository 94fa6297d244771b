import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { hotRead, withTx, type DbContext } from '../src/index.ts'
import { customer, useDatabase } from './helpers.ts'

// The hot read (migration 20261202080000_hot_reads, src/hot-reads.ts) sets its own RLS context in
// a plpgsql function: these tests hold it to what the hand-issued transaction guaranteed.
const fx = useDatabase()
let pool: pg.Pool
const A = 'cus_hot_A'
const B = 'cus_hot_B'
const jobs: Record<string, string> = {}

interface Row {
  id: string
  customer_id: string
  images: { filename: string }[]
}

/** The pool the API uses has more than one connection: one is enough to show what carries over. */
const read = (context: DbContext, jobId: string, ownerFilter: string | null) => hotRead<Row>(pool, context, 'scanJobDetail', [jobId, ownerFilter])

describe('hot reads (plpgsql, prepared)', () => {
  before(async () => {
    pool = new pg.Pool({ connectionString: fx.database.appUrl, max: 1 })
    for (const owner of [A, B]) {
      const id = randomUUID()
      const imageId = randomUUID()
      await withTx(fx.db, customer(owner), (tx) =>
        tx.scanJob.create({
          data: {
            id, customerId: owner, title: `job of ${owner}`, imageCount: 1,
            images: { create: [{ id: imageId, customerId: owner, originalFilename: `${owner}.jpg`, contentType: 'image/jpeg', bytes: 10, quarantineKey: `quarantine/${id}/${imageId}` }] },
          },
        }),
      )
      jobs[owner] = id
    }
  })
  after(() => pool.end())

  test("a customer reads its own job with its images", async () => {
    const [row] = await read(customer(A), jobs[A]!, A)
    assert.equal(row?.customer_id, A)
    assert.deepEqual(row?.images.map((i) => i.filename), [`${A}.jpg`])
  })

  test("with the app's own owner filter removed, RLS alone hides another tenant's job", async () => {
    assert.deepEqual(await read(customer(A), jobs[B]!, null), [])
    // The filter is not what lets the owner in either: RLS and the context are.
    assert.equal((await read(customer(B), jobs[B]!, null)).length, 1)
  })

  test('no identity, or an id without the customer role, reads nothing', async () => {
    assert.deepEqual(await read({ actorId: null, role: 'anonymous' }, jobs[A]!, null), [])
    assert.deepEqual(await read({ actorId: A, role: 'user' }, jobs[A]!, null), [])
  })

  test("the context ends with the statement: the connection's next user runs as nobody", async () => {
    await read(customer(A), jobs[A]!, A)
    const { rows } = await pool.query(
      "SELECT current_setting('app.actor_id', true) AS actor, current_setting('app.role', true) AS role, current_setting('transaction_read_only') AS ro, (SELECT count(*) FROM scan_jobs)::int AS visible",
    )
    assert.deepEqual(rows[0], { actor: '', role: '', ro: 'off', visible: 0 })
  })

  test('the read runs read-only: the function cannot be turned into a write', async () => {
    // Called inside a transaction (what the pool path never does), the mode it sets stays for the
    // rest of that transaction: a write after it fails rather than running with its context.
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      await client.query('SELECT * FROM public.read_scan_job_as($1, $2, $3, $4)', [A, 'customer', jobs[A], A])
      await assert.rejects(client.query("UPDATE scan_jobs SET title = 'changed' WHERE id = $1", [jobs[A]]), /read-only transaction/)
    } finally {
      await client.query('ROLLBACK')
      client.release()
    }
  })

  test('only the app role may call the functions', async () => {
    const { rows } = await fx.owner.query(
      `SELECT p.proname, has_function_privilege('printforge_readonly', p.oid, 'EXECUTE') AS readonly, has_function_privilege('printforge_app', p.oid, 'EXECUTE') AS app
         FROM pg_proc p WHERE p.proname IN ('read_scan_job_as', 'scan_job_detail') ORDER BY p.proname`,
    )
    assert.deepEqual(rows, [
      { proname: 'read_scan_job_as', readonly: false, app: true },
      { proname: 'scan_job_detail', readonly: false, app: true },
    ])
  })

  test('a malformed job id is refused by PostgreSQL, not read', async () => {
    await assert.rejects(read(customer(A), 'not-a-uuid', A), (err: unknown) => (err as { code?: string }).code === '22P02')
  })
})
