// issue 12, optional OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, the API's request span,
// the BullMQ spans and the worker's printer-command span of one print share one trace (W3C trace
// context carried through the job). The collector is a small OTLP/HTTP server in this test.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { startApi } from './api-client.ts'
import { registerPrinter, startTestWorker, useFarm, useWorkerEnv, waitFor, waitForJobStatus } from './helper.ts'
import { adminAuth, createPrint } from './print-flow.ts'

interface ExportedSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
}

/** Collects OTLP/HTTP trace exports (the JSON encoding the http exporter sends; gzip if asked). */
const spans: ExportedSpan[] = []
let collector: Server
let endpoint = ''
before(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      let body = Buffer.concat(chunks)
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
      assert.equal(req.url, '/v1/traces')
      assert.match(String(req.headers['content-type']), /application\/json/)
      const data = JSON.parse(body.toString()) as { resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[] }
      for (const rs of data.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`
})
after(() => new Promise((resolve) => collector.close(resolve)))

const env = useWorkerEnv()
const printers = useFarm([{ model: 'X1C' }], 120)

test('tracing off: the API registers no tracing hooks', async () => {
  await env.ready
  const api = await startApi(env)
  assert.equal(api.app.hasRequestDecorator('traceSpan'), false)
})

test('one print is one trace: the API request span, the job and the project_file span share its trace id', async () => {
  const farm = await printers.ready
  const [x1c] = farm.printers
  assert.ok(x1c)
  const printerId = await registerPrinter(env, x1c)
  const worker = await startTestWorker(env, { extraCaPems: [farm.caPem] }, { ...env.config, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })
  let closed = false
  after(() => (closed ? undefined : worker.close()))
  const api = await startApi(env, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } })
  // The caller's W3C traceparent is the request span's parent: its trace runs through to the printer.
  const traceId = randomBytes(16).toString('hex')
  const callerSpan = randomBytes(8).toString('hex')
  const { jobId } = await createPrint(api, await adminAuth(env, api), printerId, { traceparent: `00-${traceId}-${callerSpan}-01` })
  await waitForJobStatus(env, jobId, 'completed', 60_000)
  // Closing the worker flushes the process's span batch (the API's spans included).
  await worker.close()
  closed = true

  const inTrace = await waitFor('the print\'s spans exported', () => {
    const found = spans.filter((s) => s.traceId === traceId)
    return found.some((s) => s.name === 'printer project_file') ? found : null
  }, 15_000)
  const byName = (name: string) => inTrace.find((s) => s.name === name)
  const request = byName('POST /manufacturing/create')
  assert.ok(request, `API span in ${inTrace.map((s) => s.name).join(', ')}`)
  assert.equal(request.parentSpanId, callerSpan)
  assert.equal(request.kind, 2, 'SERVER')
  // BullMQ (bullmq-otel): the producer span under the request, the consumer span under the producer.
  const consumer = inTrace.find((s) => s.name === 'process prints')
  assert.ok(consumer, `consumer span in ${inTrace.map((s) => s.name).join(', ')}`)
  const project = byName('printer project_file')
  assert.ok(project)
  assert.equal(project.parentSpanId, consumer.spanId, 'project_file is sent inside the job span')
  // Walk from project_file up to the request: one unbroken chain.
  const byId = new Map(inTrace.map((s) => [s.spanId, s]))
  const chain: string[] = []
  for (let s: ExportedSpan | undefined = project; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) chain.push(s.name)
  assert.equal(chain.at(-1), 'POST /manufacturing/create', chain.join(' ← '))
})
