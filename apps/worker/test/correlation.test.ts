// issue 12, "Following one print": the id of the request that created a print job is on the
// API's line for that request, on every worker line about the job down to project_file, and on
// every audit row of the job — the API's and the worker's (docs/observability.md).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { startApi } from './api-client.ts'
import { registerPrinter, useFarm, useWorker, useWorkerEnv, waitForJobStatus } from './helper.ts'
import { adminAuth, capturedLogger, createPrint, logSink } from './print-flow.ts'

const env = useWorkerEnv()
const printers = useFarm([{ model: 'X1C' }], 120)
const workerLog = capturedLogger()
useWorker(env, async () => ({ extraCaPems: [(await printers.ready).caPem], logger: workerLog.logger }))

test('one print job is followed by its request id from the API log through the worker log to its audit rows', async () => {
  const farm = await printers.ready
  const [x1c] = farm.printers
  assert.ok(x1c)
  const printerId = await registerPrinter(env, x1c)
  // The access log writes a successful request at debug only.
  const apiLog = logSink()
  const api = await startApi(env, { env: { LOG_LEVEL: 'debug' }, logStream: apiLog.stream })
  const { jobId } = await createPrint(api, await adminAuth(env, api), printerId)
  await waitForJobStatus(env, jobId, 'completed', 60_000)

  // The request id, as the API recorded it with the job's creation.
  const rows = await withTx(env.db, SYSTEM_CONTEXT, (tx) =>
    tx.auditLog.findMany({ where: { OR: [{ targetId: jobId }, { details: { path: ['jobId'], equals: jobId } }] }, orderBy: { id: 'asc' } }),
  )
  const created = rows.find((r) => r.action === 'manufacturing.created')
  const requestId = created?.requestId
  assert.ok(requestId, 'the creation audit row names the request')
  assert.match(requestId, /^[0-9a-f-]{36}$/)

  // API: the request's own line(s) carry it (reqId is Fastify's binding of request.id).
  const apiLines = apiLog.lines.filter((l) => l['reqId'] === requestId)
  // The access line is 'request completed', or 'slow response' when the upload took over a second (a loaded run).
  const accessLine = (l: { msg?: unknown }) => l.msg === 'request completed' || l.msg === 'slow response'
  assert.ok(apiLines.some((l) => accessLine(l) && (l['res'] as { statusCode?: number } | undefined)?.statusCode === 202), JSON.stringify(apiLines))

  // Worker: every line about the job carries it — the processor's, the dispatcher's, the FTPS
  // upload's and the line that records project_file going to the printer.
  const about = workerLog.lines.filter((l) => l['manufacturingJobId'] === jobId || l['jobId'] === `print.dispatch-${jobId}`)
  const messages = about.map((l) => l.msg)
  for (const msg of ['job started', 'printer claimed', 'upload verified', 'project_file sent', 'print started', 'job done']) {
    assert.ok(messages.includes(msg), `worker line "${msg}" about the job (got: ${messages.join(', ')})`)
  }
  for (const line of about) assert.equal(line['requestId'], requestId, `worker line "${line.msg}"`)
  const sent = about.find((l) => l.msg === 'project_file sent')
  assert.equal(sent?.['job'], 'print.dispatch')
  // Never a credential or a payload on those lines.
  assert.doesNotMatch(JSON.stringify(about), new RegExp(x1c.accessCode))

  // Audit: every row of the job, the API's (created) and the worker's (started, completed).
  const actions = rows.map((r) => r.action)
  for (const action of ['manufacturing.created', 'manufacturing.started', 'manufacturing.completed']) assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`)
  for (const row of rows) assert.equal(row.requestId, requestId, `audit row ${row.action} (${row.actorType})`)
})
