// npm run bench (audit verify): builds a large audit log (BENCH_AUDIT_ROWS, default 1 M), then
// times the batched verification that GET /audit/verify, `audit verify` and the nightly job run,
// under the API pool's 10 s statement timeout, and prints rows/s.
//
// Two ways to build the log (BENCH_AUDIT_BUILD):
//   bulk (default): rows and their hash chain computed here, with the exact encoding of
//     audit_row_hash() (jsonb's canonical text of a JSON array), inserted set-based
//     (INSERT … SELECT FROM unnest of 10,000-element arrays) by the superuser with triggers off.
//     Secondary indexes are rebuilt and the CHECK constraints (their regexes cost ~as much as the
//     insert itself) re-added NOT VALID once at the end. The database's own verification of every
//     row is the proof that the encodings agree.
//   trigger: INSERT … SELECT generate_series as printforge_app through the real chain trigger,
//     BENCH_AUDIT_INSERT_BATCH rows (default 1,000) per statement and transaction. Every row
//     updates the head row, and within one transaction those versions pile up: keep batches small.
import { createHash } from 'node:crypto'
import { createTestDatabase } from '@printforge/devstack'
import pg from 'pg'
import { createPrismaClient, DEFAULT_VERIFY_BATCH_ROWS, sqlState, SYSTEM_CONTEXT, verifyAuditChain, withTx } from '../src/index.ts'

const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000)
const BUILD = process.env.BENCH_AUDIT_BUILD ?? 'bulk'
const INSERT_BATCH = Number(process.env.BENCH_AUDIT_INSERT_BATCH ?? 1_000)
const VERIFY_BATCHES = (process.env.BENCH_AUDIT_VERIFY_BATCH ?? `${DEFAULT_VERIFY_BATCH_ROWS},20000`).split(',').map(Number)

const seconds = (since: number) => (performance.now() - since) / 1000
const rate = (rows: number, s: number) => `${Math.round(rows / s).toLocaleString('en')} rows/s`
const md5 = (s: string) => createHash('md5').update(s).digest('hex')
const uuidOf = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`

/** Row g's content, the kind the services write: a target, a request id, a few details. */
const content = (g: number) => ({ targetId: uuidOf(md5(`t${g}`)), requestId: `req-${g}`, bytes: (g * 37) % 100_000, jobId: uuidOf(md5(`j${g >> 4}`)), sha256: md5(`${g}`) + md5(`${g + 1}`) })

async function buildBulk(url: string) {
  const su = new pg.Client({ connectionString: url })
  await su.connect()
  try {
    await su.query('SET session_replication_role = replica') // no chain trigger: the hashes come from here
    const { rows: indexes } = await su.query<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_log' AND indexname <> 'audit_log_pkey'",
    )
    const { rows: checks } = await su.query<{ conname: string; def: string }>(
      "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'audit_log'::regclass AND contype = 'c'",
    )
    for (const i of indexes) await su.query(`DROP INDEX ${i.indexname}`)
    for (const c of checks) await su.query(`ALTER TABLE audit_log DROP CONSTRAINT ${c.conname}`)
    const at = new Date()
    const atMicros = BigInt(at.getTime()) * 1000n
    let prev = '0'.repeat(64)
    for (let done = 0; done < ROWS; done += 10_000) {
      const cols: { id: number[]; target: string[]; request: string[]; details: string[]; prev: string[]; hash: string[] } = { id: [], target: [], request: [], details: [], prev: [], hash: [] }
      for (let g = done + 1; g <= Math.min(done + 10_000, ROWS); g++) {
        const c = content(g)
        // jsonb's text form: ", " between elements, ": " after keys, keys ordered by length then bytes.
        const details = `{"bytes": ${c.bytes}, "jobId": "${c.jobId}", "sha256": "${c.sha256}"}`
        const hashed = `[${g}, ${atMicros}, "system", "system", "scan.stored", "scan_image", "${c.targetId}", null, null, "${c.requestId}", ${details}, "${prev}"]`
        const hash = createHash('sha256').update(hashed).digest('hex')
        cols.id.push(g); cols.target.push(c.targetId); cols.request.push(c.requestId); cols.details.push(details); cols.prev.push(prev); cols.hash.push(hash)
        prev = hash
      }
      await su.query(
        `INSERT INTO audit_log (id, at, actor_type, actor_id, action, target_type, target_id, request_id, details, prev_hash, hash)
         SELECT id, $1, 'system', 'system', 'scan.stored', 'scan_image', target, request, details, prev, hash
           FROM unnest($2::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::text[]) AS t(id, target, request, details, prev, hash)`,
        [at, cols.id, cols.target, cols.request, cols.details, cols.prev, cols.hash],
      )
    }
    await su.query('UPDATE audit_chain SET last_id = $1, last_hash = $2 WHERE id = 1', [ROWS, prev])
    await su.query("SELECT setval('audit_log_id_seq', $1)", [ROWS])
    for (const i of indexes) await su.query(i.indexdef)
    // NOT VALID: the rows were built to satisfy them; validating would cost as much as checking them on insert.
    for (const c of checks) await su.query(`ALTER TABLE audit_log ADD CONSTRAINT ${c.conname} ${c.def} NOT VALID`)
  } finally {
    await su.end()
  }
}

async function buildWithTrigger(url: string) {
  const app = new pg.Client({ connectionString: url })
  await app.connect()
  try {
    for (let done = 0; done < ROWS; done += INSERT_BATCH) {
      await app.query('BEGIN')
      await app.query("SELECT set_config('app.actor_id', 'system', true), set_config('app.role', 'system', true)")
      await app.query(
        `INSERT INTO audit_log (actor_type, actor_id, action, target_type, target_id, request_id, details)
         SELECT 'system', 'system', 'scan.stored', 'scan_image', md5('t' || g)::uuid::text, 'req-' || g,
                jsonb_build_object('bytes', g * 37 % 100000, 'jobId', md5('j' || (g >> 4))::uuid, 'sha256', md5(g::text) || md5((g + 1)::text))
           FROM generate_series($1::int + 1, $1::int + $2::int) g`,
        [done, Math.min(INSERT_BATCH, ROWS - done)],
      )
      await app.query('COMMIT')
    }
  } finally {
    await app.end()
  }
}

const database = await createTestDatabase()
try {
  const built = performance.now()
  if (BUILD === 'trigger') await buildWithTrigger(database.appUrl)
  else await buildBulk(database.superuserUrl)
  const buildS = seconds(built)
  const how = BUILD === 'trigger' ? `through the chain trigger, ${INSERT_BATCH} rows per statement` : 'bulk: chain hashed in Node, set-based INSERT, triggers off'
  console.log(`built ${ROWS.toLocaleString('en')} audit rows (${how}) in ${buildS.toFixed(1)} s = ${rate(ROWS, buildS)}`)

  // As the API's pool runs it: each batch one statement under a 10 s statement timeout. The
  // first pass also sets the fresh rows' hint bits (writes), so it is reported on its own.
  const db = createPrismaClient({ url: database.appUrl, poolMax: 2, statementTimeoutMs: 10_000 })
  try {
    for (const [i, batchRows] of [VERIFY_BATCHES[0] ?? DEFAULT_VERIFY_BATCH_ROWS, ...VERIFY_BATCHES].entries()) {
      const started = performance.now()
      const result = await verifyAuditChain(db, SYSTEM_CONTEXT, { batchRows })
      const s = seconds(started)
      if (!result.ok || result.checked !== ROWS) throw new Error(`verification failed: ${JSON.stringify(result)}`)
      const pass = i === 0 ? 'first pass (cold, sets hint bits)' : `${batchRows.toLocaleString('en')} rows per batch`
      console.log(`batched verify, ${pass}: ${result.checked.toLocaleString('en')} rows in ${s.toFixed(1)} s = ${rate(result.checked, s)}; ${Math.ceil(ROWS / batchRows)} statements of ~${((s * 1000 * batchRows) / ROWS).toFixed(0)} ms`)
    }
    // What GET /audit/verify did before: one statement over the whole log, under the same timeout.
    const started = performance.now()
    const single = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.$queryRaw<{ ok: boolean }[]>`SELECT ok FROM audit_verify()`, { timeoutMs: 60_000 }).then(
      () => `finished in ${seconds(started).toFixed(1)} s`,
      (err: unknown) => (sqlState(err) === '57014' ? `cancelled by the 10 s statement timeout after ${seconds(started).toFixed(1)} s` : `failed: ${(err as Error).message}`),
    )
    console.log(`single-statement audit_verify(): ${single}`)
  } finally {
    await db.$disconnect()
  }
} finally {
  await database.drop()
}
