// Property-based fuzzing of the HTTP surface: what every fuzz file shares. Routes come from the
// app's own router (so a new route is fuzzed without anyone listing it), every response is held
// to the same invariants, and every 4xx is checked to have changed nothing.
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import fc from 'fast-check'
import pg from 'pg'
import { ERROR_STATUS } from '@printforge/errors'
import type { FastifyInstance } from 'fastify'
import { fuzzWatchdog } from './fuzz.watchdog.ts'
import type { TestApi } from './helper.ts'

/** FUZZ_SEED reproduces a run; without it each run explores new cases. Printed on every failure. */
export const FUZZ_SEED = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : randomInt(2 ** 31)
/** FUZZ_SCALE=10 fuzzes ten times longer (local hunting); CI runs at 1. */
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1)
/** Replay one failure: FUZZ_ROUTE (its label) and FUZZ_PATH (fast-check's path), with FUZZ_SEED. */
const REPLAY = { label: process.env['FUZZ_ROUTE'], path: process.env['FUZZ_PATH'] }

export interface RouteInfo {
  method: string
  /** The router's pattern, e.g. /jobs/:id/images/:imageId */
  url: string
  /** Path parameter names, '*' for a wildcard. */
  params: string[]
  /** The OpenAPI operation, when the route is documented (body and query schemas). */
  operation?: Operation
}

export interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema: Schema }[]
  requestBody?: { content?: Record<string, { schema: Schema }> }
}

export interface Schema {
  type?: string
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean
  enum?: unknown[]
  const?: unknown
  anyOf?: Schema[]
  items?: Schema
  minLength?: number
  maxLength?: number
  pattern?: string
  format?: string
  minimum?: number
  maximum?: number
  minProperties?: number
}

export const routeLabel = (r: { method: string; url: string }) => `${r.method} ${r.url}`

/**
 * Every route the router holds, from `printRoutes()` (the router's own tree, HEAD and the CORS
 * preflight catch-all included), joined with its OpenAPI operation where there is one.
 */
export function listRoutes(app: FastifyInstance): RouteInfo[] {
  const spec = app.swagger() as { paths: Record<string, Record<string, Operation>> }
  const stack: string[] = []
  const routes: RouteInfo[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!m) continue
    const depth = (m[1] ?? '').length / 4
    stack.length = depth
    stack.push(m[2] ?? '')
    const url = stack.join('')
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const params = [...url.matchAll(/:([A-Za-z]+)|\*/g)].map((p) => p[1] ?? '*')
      const docPath = url.replace(/:([A-Za-z]+)/g, '{$1}')
      // A prefix route is both /jobs and /jobs/; the document lists /jobs/. HEAD is GET's twin.
      const ops = spec.paths[docPath] ?? spec.paths[`${docPath}/`]
      const operation = ops?.[method === 'HEAD' ? 'get' : method.toLowerCase()]
      routes.push({ method, url, params, ...(operation ? { operation } : {}) })
    }
  }
  assert.ok(routes.length > 10, `could not read the router's table:\n${app.printRoutes({ commonPrefix: false })}`)
  return routes
}

/** Every documented operation must be in the router's table: the two views cannot drift apart. */
export function assertSpecCovered(app: FastifyInstance, routes: RouteInfo[]) {
  const spec = app.swagger() as { paths: Record<string, Record<string, unknown>> }
  const labels = new Set(routes.map(routeLabel))
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const method of Object.keys(ops)) {
      const url = path.replace(/\{([A-Za-z]+)\}/g, ':$1')
      const label = `${method.toUpperCase()} ${url}`
      assert.ok(labels.has(label) || labels.has(label.replace(/\/$/, '')), `${label} is documented but missing from the router table`)
    }
  }
}

// ------------------------------------------------------------------------------------------------
// State fingerprint: what a refused request must leave exactly as it found it.

const TABLES = [
  'scan_jobs', 'scan_images', 'customer_quotas', 'quota_usage', 'printers', 'printer_status',
  'manufacturing_jobs', 'manufacturing_job_events', 'staff', 'idempotency_keys', 'object_deletions',
] as const
const WITH_UPDATED_AT = new Set(['scan_jobs', 'scan_images', 'customer_quotas', 'printers', 'printer_status', 'manufacturing_jobs', 'staff'])
/**
 * Audit rows a 4xx may add. auth.failed (aggregated, flushed on a timer) and ratelimit.exceeded
 * are written for refusals; everything else the API audits (admin.access included) is written
 * only in the transaction of a request that succeeds.
 */
export const AUDIT_ALLOWED_ON_4XX = new Set(['auth.failed', 'ratelimit.exceeded'])

export interface Fingerprint {
  tables: Record<string, string>
  /** Every object key in the test's bucket (quarantine/, models/, scans/: one listing is cheapest). */
  objects: string[]
  lastAuditId: string
}

/**
 * Per table: row count, max(updated_at) and an order-free digest of every row (the sum of the
 * rows' hashes: no sort, so a snapshot stays cheap). The superuser reads past RLS.
 */
export async function openProbe(api: TestApi) {
  const client = new pg.Client({ connectionString: api.database.superuserUrl })
  await client.connect()
  const select = TABLES.map((t) =>
    `'${t}', (SELECT concat_ws(' ', count(*), ${WITH_UPDATED_AT.has(t) ? 'max(updated_at)' : "''"}, sum(hashtextextended(x::text, 0))) FROM ${t} x)`,
  ).join(', ')
  const sql = `SELECT json_build_object(${select}) AS tables, (SELECT coalesce(max(id), 0)::text FROM audit_log) AS last_audit`
  return {
    client,
    async snapshot(): Promise<Fingerprint> {
      const [{ rows }, objects] = await Promise.all([client.query<{ tables: Record<string, string>; last_audit: string }>(sql), api.store.listKeys('')])
      const row = rows[0]!
      return { tables: row.tables, objects, lastAuditId: row.last_audit }
    },
    /** What changed between two snapshots, as readable lines (empty when nothing did). */
    async changes(before: Fingerprint, after: Fingerprint): Promise<string[]> {
      const out: string[] = []
      for (const t of TABLES) if (before.tables[t] !== after.tables[t]) out.push(`${t}: ${before.tables[t]} → ${after.tables[t]}`)
      const was = new Set(before.objects)
      const now = new Set(after.objects)
      const added = [...now].filter((k) => !was.has(k))
      const removed = [...was].filter((k) => !now.has(k))
      if (added.length || removed.length) out.push(`storage: +[${added.join(', ')}] -[${removed.join(', ')}]`)
      const { rows } = await client.query<{ action: string }>('SELECT action FROM audit_log WHERE id > $1 AND id <= $2', [before.lastAuditId, after.lastAuditId])
      const audited = rows.map((r) => r.action).filter((a) => !AUDIT_ALLOWED_ON_4XX.has(a))
      if (audited.length) out.push(`audit rows: ${audited.join(', ')}`)
      return out
    },
    close: () => client.end(),
  }
}
export type Probe = Awaited<ReturnType<typeof openProbe>>

/**
 * Lets work the API starts after answering (deletion outbox drains) finish before the next
 * snapshot. Aggregated auth.failed rows are flushed on their own timer: they may land in any
 * case's window, which AUDIT_ALLOWED_ON_4XX allows.
 */
export async function settle(app: FastifyInstance) {
  await app.services.scanJobs.idle()
}

// ------------------------------------------------------------------------------------------------
// Invariants every response is held to.

/** Text that must never reach a client: stack frames, driver and library errors, file paths. */
const INTERNAL = /\bat .+\(.*:\d+:\d+\)|node_modules|prisma|postgres|SQLSTATE|ECONN|busboy|\bTypeError\b|\bRangeError\b|\/work\/|FST_|ERR_[A-Z_]+|Invalid `/i

export interface Answer {
  statusCode: number
  headers: Record<string, unknown>
  body: string
}

/** The invariants of one answer, as a list of violations (empty when it holds). */
export function violations(method: string, res: Answer): string[] {
  const out: string[] = []
  const { statusCode: status } = res
  if (status >= 500 && status !== 503) out.push(`status ${status}`)
  if (status < 400 || method === 'HEAD') return out
  let body: { error?: Record<string, unknown> } | undefined
  try {
    body = JSON.parse(res.body) as typeof body
  } catch {
    out.push(`error body is not JSON: ${res.body.slice(0, 200)}`)
    return out
  }
  const error = body?.error
  const keys = body && typeof body === 'object' ? Object.keys(body) : []
  if (!error || keys.length !== 1 || Object.keys(error).sort().join() !== 'code,message,requestId') {
    out.push(`error body shape: ${res.body.slice(0, 200)}`)
    return out
  }
  const code = String(error['code'])
  if ((ERROR_STATUS as Record<string, number>)[code] !== status) out.push(`code ${code} with status ${status}`)
  if (typeof error['requestId'] !== 'string' || !/^[0-9a-f-]{36}$/.test(error['requestId'])) out.push(`requestId ${String(error['requestId'])}`)
  if (typeof error['message'] !== 'string' || INTERNAL.test(error['message'])) out.push(`message leaks internals: ${String(error['message']).slice(0, 200)}`)
  if (res.headers['cache-control'] !== 'no-store' || res.headers['x-content-type-options'] !== 'nosniff') out.push('error answer without the security headers (no-store, nosniff)')
  return out
}

/** Errors that escaped a request (an uncaught rejection would otherwise surface far from its cause). */
const escaped: unknown[] = []
process.on('unhandledRejection', (reason) => void escaped.push(reason))
export function takeEscapedErrors(): unknown[] {
  return escaped.splice(0)
}

// ------------------------------------------------------------------------------------------------
// Running properties: seeded, bounded, counted, and reproducible from what a failure prints.

export const tally = new Map<string, Map<number, number>>()
export function count(label: string, status: number) {
  const byStatus = tally.get(label) ?? new Map<number, number>()
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
  tally.set(label, byStatus)
}

/** Why each 503 happened (allowed, but worth reading: a dependency was unavailable or slow). */
const unavailable = new Map<string, number>()
export function noteUnavailable(label: string, body: string) {
  let message = body.slice(0, 120)
  try {
    message = String((JSON.parse(body) as { error?: { message?: unknown } }).error?.message)
  } catch {
    // not our error shape: keep the start of the body
  }
  const key = `${label}: ${message}`
  unavailable.set(key, (unavailable.get(key) ?? 0) + 1)
}

export function casesFor(label: string) {
  return [...(tally.get(label)?.values() ?? [])].reduce((a, b) => a + b, 0)
}

let seedPrinted = false

/** Far above any case's time (the slowest take a few seconds under load). */
const CASE_TIMEOUT_MS = 30_000
const PROGRESS_MS = 60_000

function seedOf(label: string) {
  let h = FUZZ_SEED | 0
  for (const ch of label) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193)
  return h | 0
}

const short = (value: unknown) => {
  const text = fc.stringify(value)
  return text.length > 4_000 ? `${text.slice(0, 4_000)}… (${text.length} characters)` : text
}

/**
 * Runs `numRuns` cases of `arb` through `run` (which throws on a violated invariant). A failure
 * names the base seed, fast-check's seed and path, and the shrunk counterexample.
 *
 * A case that never answers fails after `caseTimeoutMs` and is reported as generated, not
 * shrunk: every shrink step of a hang would wait out its own timeout, and a hang that repeats
 * would spend the runner's whole budget before anything is printed. A case that blocks the event
 * loop (no timer can fire) is named by the watchdog (fuzz.watchdog.ts).
 */
export async function fuzz<T>(label: string, numRuns: number, arb: fc.Arbitrary<T>, run: (value: T) => Promise<void>, { caseTimeoutMs = CASE_TIMEOUT_MS } = {}) {
  if (REPLAY.label && REPLAY.label !== label) return
  const seed = seedOf(label)
  // Printed before the first case: a case that never answers is then reproducible from the log alone.
  if (!seedPrinted) console.log(`fuzzing with FUZZ_SEED=${FUZZ_SEED}`)
  seedPrinted = true
  const watchdog = fuzzWatchdog()
  let started = 0
  let shrinking = false
  let hung = false
  const guarded = async (value: T) => {
    if (hung) return // a hang is reported as it came: see above
    started++
    // Before the first failure, the n-th case is fast-check's path n - 1.
    const which = shrinking ? 'a shrink step' : `FUZZ_SEED=${FUZZ_SEED} FUZZ_ROUTE=${JSON.stringify(label)} FUZZ_PATH=${started - 1}`
    watchdog.running(`${label}, case ${started} (${which}): ${short(value)}`)
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        hung = true
        reject(new Error(`no answer within ${caseTimeoutMs / 1000} s (a hang: reported unshrunk)`))
      }, caseTimeoutMs)
    })
    try {
      await Promise.race([run(value), deadline])
    } catch (err) {
      shrinking = true
      throw err
    } finally {
      clearTimeout(timer)
    }
  }
  // A route that runs long says so as it goes: a file slowed case by case towards the runner's
  // limit is then visible in the log before the limit ends it.
  const since = Date.now()
  const progress = setInterval(() => console.log(`fuzz ${label}: ${started} cases in ${Math.round((Date.now() - since) / 1000)} s`), PROGRESS_MS)
  progress.unref()
  const details = await fc
    .check(fc.asyncProperty(arb, guarded), {
      seed,
      numRuns: Math.max(1, Math.round(numRuns * SCALE)),
      ...(REPLAY.path ? { path: REPLAY.path } : {}),
      // A shrink step is a real request; a few hundred of them are enough to make a case readable.
      maxSkipsPerRun: 100,
    })
    .finally(() => clearInterval(progress))
  if (!details.failed) return
  const error = details.errorInstance as Error | undefined
  assert.fail(
    [
      `fuzz ${label} failed after ${details.numRuns} cases (${details.numShrinks} shrinks).`,
      `Reproduce: FUZZ_SEED=${FUZZ_SEED} FUZZ_ROUTE=${JSON.stringify(label)} FUZZ_PATH=${JSON.stringify(details.counterexamplePath)} npm test -- fuzz`,
      `fast-check: { seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath)} }`,
      `counterexample: ${short(details.counterexample)}`,
      `error: ${error?.message ?? String(details.errorInstance)}`,
    ].join('\n'),
  )
}

/** The per-route case counts and statuses, for the log (and the coverage assertion). */
export function report(title: string) {
  const lines = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, byStatus]) => {
    const statuses = [...byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')
    return `  ${label.padEnd(44)} ${String(casesFor(label)).padStart(4)}  ${statuses}`
  })
  const total = [...tally.keys()].reduce((n, label) => n + casesFor(label), 0)
  const notes = [...unavailable.entries()].map(([what, n]) => `  503×${n} ${what}`)
  console.log(`${title} (FUZZ_SEED=${FUZZ_SEED}): ${total} cases\n${lines.join('\n')}${notes.length ? `\n${notes.join('\n')}` : ''}`)
}
