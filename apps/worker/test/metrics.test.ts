// The worker's metrics (docs/observability.md, "Worker") scraped through the real listener while
// it ingests a scan, runs a print to completion on a virtual printer and verifies the audit chain;
// then every label value of every printforge_* series is checked against its fixed set.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { catalog, enqueue, QUEUES } from '@printforge/jobs'
import { parseExposition, startMetricsServer, type MetricsServer, type Sample } from '@printforge/metrics'
import { pino } from 'pino'
import { ALERTS } from '../src/alerts.ts'
import { REJECTION_REASONS } from '../src/metrics/scans.ts'
import { createPrintJob, createScanJob, registerPrinter, scanJob, useFarm, useWorker, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'
import { gpsJpeg } from './images.ts'

const env = useWorkerEnv()
// speed 30: PREPARE ≈ 0.3 s, printing ≈ 4 s.
const printers = useFarm([{ model: 'X1C' }], 30)
// The worker's log lines, to find the alerts among them.
const logLines: { alert?: string; level: number; job?: string }[] = []
const logger = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, done) => (logLines.push(JSON.parse(c.toString())), done()) }))
const running = useWorker(env, async () => ({ extraCaPems: [(await printers.ready).caPem], logger }))

const TOKEN = randomBytes(32).toString('hex')

async function scrape(server: MetricsServer): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
  assert.equal(res.status, 200)
  return parseExposition(await res.text())
}

/** The one sample of `name` whose labels include `labels`; undefined when there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matches ${found.length} samples`)
  return found[0]?.value
}

test('jobs, scans, printers, commands, uploads, queues and the audit chain are counted, with bounded labels only', async () => {
  const server = await startMetricsServer({ registry: running.worker.metrics, host: '127.0.0.1', port: 0, token: TOKEN })
  try {
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status, 401, 'the token is required')
    const printer = printers.farm.printers[0]!
    const printerId = await registerPrinter(env, printer, 'Metrics X1C')

    // Before any verification: the chain is not known to be intact, and never verified.
    const initial = await scrape(server)
    assert.equal(value(initial, 'printforge_audit_chain_ok'), 0)
    assert.equal(value(initial, 'printforge_audit_chain_last_verified_timestamp_seconds'), 0)
    for (const queue of QUEUES) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        assert.equal(typeof value(initial, 'printforge_queue_jobs', { queue, state }), 'number', `queue ${queue} ${state}`)
      }
    }
    assert.equal(value(initial, 'printforge_database_up'), 1)
    assert.equal(value(initial, 'printforge_redis_up'), 1)
    assert.equal(value(initial, 'printforge_db_pool_max'), env.config.DATABASE_POOL_MAX)

    // One good image and one that is not an image at all.
    const scan = await createScanJob(env, [await gpsJpeg(), Buffer.from('definitely not an image')])
    await enqueue(env.queues, 'scan.ingest', { scanJobId: scan.jobId }, scan.jobId)
    await waitFor('scan finished', async () => ['stored', 'partial', 'failed'].includes((await scanJob(env, scan.jobId)).status))

    // A print to completion; while it prints, the printer holds an active job.
    await waitFor('printer online', async () => value(await scrape(server), 'printforge_printer_up', { printer_id: printerId }) === 1)
    const bytes = 100_000
    const printJobId = await createPrintJob(env, { printerId, bytes })
    await waitForJobStatus(env, printJobId, 'printing')
    const printing = await scrape(server)
    assert.equal(value(printing, 'printforge_printer_active_job', { printer_id: printerId }), 1)
    await waitForJobStatus(env, printJobId, 'completed')

    // The nightly verification, run now through its queue.
    await enqueue(env.queues, 'maintenance.audit-verify', {}, 'metrics-test')
    await waitFor('verification recorded', () => withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditVerificationRun.count()))

    // A command for a printer nobody registered fails for good: counted, and alerted once.
    await enqueue(env.queues, 'printer.command', { printerId: randomUUID(), command: 'refresh', requestId: randomUUID() }, randomUUID())

    const samples = await waitFor('the audit-verify and command attempts counted', async () => {
      const s = await scrape(server)
      return value(s, 'printforge_jobs_total', { job: 'maintenance.audit-verify', outcome: 'completed' }) === 1 &&
        value(s, 'printforge_jobs_total', { job: 'printer.command', outcome: 'failed' }) === 1 ? s : null
    })
    const alerts = logLines.filter((l) => l.alert === ALERTS.jobFailed)
    assert.deepEqual(alerts.map((l) => [l.job, l.level]), [['printer.command', 50]], 'one error line for the failed job')
    const v = (name: string, labels: Record<string, string> = {}) => value(samples, name, labels)
    assert.equal(v('printforge_jobs_total', { job: 'scan.ingest', outcome: 'completed' }), 1)
    assert.equal(v('printforge_jobs_total', { job: 'print.dispatch', outcome: 'completed' }), 1)
    assert.equal(v('printforge_job_duration_seconds_count', { job: 'print.dispatch', outcome: 'completed' }), 1)
    assert.equal(v('printforge_scan_images_total', { outcome: 'stored', reason: 'ok' }), 1)
    assert.equal(v('printforge_scan_images_total', { outcome: 'rejected', reason: 'unsupported_format' }), 1)
    assert.equal(v('printforge_printers', { state: 'online' }), 1)
    assert.equal(v('printforge_printers', { state: 'offline' }), 0)
    assert.equal(v('printforge_printer_up', { printer_id: printerId }), 1)
    assert.equal(v('printforge_printer_untrusted', { printer_id: printerId }), 0)
    assert.equal(v('printforge_printer_active_job', { printer_id: printerId }), 0, 'completed: no longer active')
    assert.equal(v('printforge_mqtt_reconnects_total', { printer_id: printerId }), 0)
    assert.equal(v('printforge_printer_commands_total', { command: 'print', outcome: 'sent' }), 1)
    assert.equal(v('printforge_ftps_upload_bytes_total'), bytes)
    assert.equal(v('printforge_ftps_upload_duration_seconds_count', { outcome: 'ok' }), 1)
    assert.equal(v('printforge_dispatch_start_latency_seconds_count'), 1)
    assert.ok((v('printforge_printer_status_lag_seconds_count') ?? 0) > 0, 'status rows written and timed')
    assert.equal(v('printforge_audit_chain_ok'), 1)
    const verifiedAt = v('printforge_audit_chain_last_verified_timestamp_seconds') ?? 0
    assert.ok(verifiedAt > Date.now() / 1000 - 300 && verifiedAt <= Date.now() / 1000 + 1, `verified just now (${verifiedAt})`)
    for (const queue of QUEUES) assert.equal(typeof v('printforge_queue_jobs', { queue, state: 'waiting' }), 'number')

    assertBoundedLabels(samples, new Set([printerId]))
  } finally {
    await server.close()
  }
})

const OUTCOMES = ['completed', 'retry', 'failed', 'handed_back']
const PRINTER_STATES = ['online', 'offline', 'connecting', 'printing', 'error', 'untrusted', 'auth_failed', 'control_disabled']

/** Every label of every printforge_* series and the values it may take (docs/observability.md). */
function allowedLabels(printerIds: Set<string>): Record<string, Record<string, ReadonlySet<string>>> {
  const s = (values: Iterable<string>) => new Set(values)
  const job = s(Object.keys(catalog))
  const printer = { printer_id: printerIds }
  const histogram = (labels: Record<string, ReadonlySet<string>>) => ({ ...labels, le: s([]) })
  return {
    printforge_jobs_total: { job, outcome: s(OUTCOMES) },
    printforge_job_duration_seconds: histogram({ job, outcome: s(OUTCOMES) }),
    printforge_queue_jobs: { queue: s(QUEUES), state: s(['waiting', 'active', 'delayed', 'failed']) },
    printforge_scan_images_total: { outcome: s(['stored', 'rejected']), reason: s(['ok', ...REJECTION_REASONS]) },
    printforge_printers: { state: s(PRINTER_STATES) },
    printforge_printer_up: printer,
    printforge_printer_error: printer,
    printforge_printer_untrusted: printer,
    printforge_printer_active_job: printer,
    printforge_mqtt_reconnects_total: printer,
    printforge_mqtt_dropped_payloads_total: { ...printer, reason: s(['malformed', 'oversized', 'foreign_topic', 'oversized_packet', 'capped']) },
    printforge_printer_status_lag_seconds: histogram({}),
    printforge_printer_commands_total: { command: s(['print', 'pause', 'resume', 'stop', 'light', 'refresh']), outcome: s(['sent', 'refused', 'failed']) },
    printforge_ftps_upload_bytes_total: {},
    printforge_ftps_upload_duration_seconds: histogram({ outcome: s(['ok', 'failed']) }),
    printforge_dispatch_start_latency_seconds: histogram({}),
    printforge_webhook_deliveries_total: { outcome: s(['delivered', 'retry', 'dead']) },
    printforge_webhook_delivery_duration_seconds: histogram({}),
    printforge_webhook_pending: {},
    printforge_audit_chain_ok: {},
    printforge_audit_chain_last_verified_timestamp_seconds: {},
    printforge_db_pool_clients: { state: s(['total', 'idle', 'waiting']) },
    printforge_db_pool_max: {},
    printforge_database_up: {},
    printforge_redis_up: {},
  }
}

function assertBoundedLabels(samples: Sample[], printerIds: Set<string>): void {
  const allowed = allowedLabels(printerIds)
  const seen = new Set<string>()
  for (const sample of samples) {
    if (!sample.name.startsWith('printforge_')) continue
    const base = sample.name.replace(/_(bucket|sum|count)$/, '')
    const labels = allowed[sample.name] ?? allowed[base]
    assert.ok(labels, `unexpected series ${sample.name}`)
    seen.add(allowed[sample.name] ? sample.name : base)
    for (const [key, val] of Object.entries(sample.labels)) {
      if (key === 'service') {
        assert.equal(val, 'worker')
        continue
      }
      // Histogram bucket bounds are numbers the code chose, not label values from outside.
      if (key === 'le') {
        assert.ok(val === '+Inf' || Number.isFinite(Number(val)), `${sample.name} le="${val}"`)
        continue
      }
      assert.ok(labels[key], `${sample.name} has an unexpected label ${key}`)
      assert.ok(labels[key].has(val), `${sample.name}{${key}="${val}"} is outside its fixed set`)
    }
  }
  // Every series of the contract is there (the per-printer error gauges included).
  assert.deepEqual([...seen].sort(), Object.keys(allowed).sort())
}
