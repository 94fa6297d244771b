// One print through the real API and worker, with both logs captured: the correlation and
// tracing tests follow it from POST /manufacturing/create to the printer's project_file.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { pino } from 'pino'
import { slicedProject } from '../../api/test/models.ts'
import { multipart, type startApi } from './api-client.ts'
import type { WorkerTestEnv } from './helper.ts'

export type LogLine = Record<string, unknown> & { msg?: string }

/** A writable that keeps every JSON log line written to it. */
export function logSink(): { stream: Writable; lines: LogLine[] } {
  const lines: LogLine[] = []
  let rest = ''
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const parts = (rest + chunk.toString()).split('\n')
      rest = parts.pop() ?? ''
      for (const line of parts.filter(Boolean)) lines.push(JSON.parse(line) as LogLine)
      callback()
    },
  })
  return { stream, lines }
}

/** A worker logger at debug into a sink (pino writes synchronously to a plain stream). */
export function capturedLogger() {
  const sink = logSink()
  return { ...sink, logger: pino({ name: 'printforge-worker', level: 'debug' }, sink.stream) }
}

type Api = Awaited<ReturnType<typeof startApi>>

export async function adminAuth(env: WorkerTestEnv, api: Api): Promise<{ authorization: string }> {
  const userId = `user_admin_${randomBytes(4).toString('hex')}`
  await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.staff.create({ data: { userId, role: 'admin', grantedBy: 'test' } }))
  return { authorization: `Bearer ${api.token(userId, 'user')}` }
}

/** POST /manufacturing/create with a sliced project for `printerId`: the job id and the request id the API answered with. */
export async function createPrint(api: Api, auth: { authorization: string }, printerId: string, headers: Record<string, string> = {}) {
  const body = multipart([
    { name: 'printerId', value: printerId },
    { name: 'model', filename: 'benchy.gcode.3mf', content: await slicedProject(), contentType: 'application/octet-stream' },
  ])
  const res = await api.app.inject({ method: 'POST', url: '/manufacturing/create', headers: { ...auth, ...body.headers, ...headers }, payload: body.payload })
  assert.equal(res.statusCode, 202, res.body)
  return { jobId: (res.json() as { manufacturingJob: { id: string } }).manufacturingJob.id }
}
