// A local webhook receiver for tests: records every request and answers per path.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { createWebhookEndpoint, emitWebhookEvent, type WebhookEventType } from '@printforge/domain'
import type { WorkerTestEnv } from './helper.ts'

export interface Received {
  path: string
  headers: http.IncomingHttpHeaders
  body: string
  at: number
}

/** `answer` returns the status for a path, or null to never answer (a stalled endpoint). */
export async function startReceiver(answer: (path: string, n: number) => number | null) {
  const received: Received[] = []
  const held = new Set<http.ServerResponse>()
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => {
      const path = req.url ?? '/'
      received.push({ path, headers: req.headers, body, at: Date.now() })
      const status = answer(path, received.filter((r) => r.path === path).length)
      if (status === null) return void held.add(res)
      if (status >= 300 && status < 400) res.setHeader('location', '/ok')
      res.statusCode = status
      res.end(status < 300 ? 'thanks' : 'x'.repeat(1_000))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    on: (path: string) => received.filter((r) => r.path === path),
    async close() {
      for (const res of held) res.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

export const ADMIN = { actorId: 'user_admin', role: 'admin' } as const

/** An endpoint as the API creates it (URL already checked); returns it with its secret. */
export async function createEndpoint(env: Pick<WorkerTestEnv, 'db' | 'keyring'>, url: string, events: WebhookEventType[] = ['scan.stored']) {
  return withTx(env.db, ADMIN, (tx) => createWebhookEndpoint(tx, env.keyring, { url, events }, { actorType: 'user', actorId: ADMIN.actorId }, {}))
}

/** Records an event as a producer does (system context, its own transaction). */
export async function emit(env: Pick<WorkerTestEnv, 'db'>, type: WebhookEventType = 'scan.stored', data: Record<string, unknown> = { scanJobId: 'x' }) {
  return withTx(env.db, SYSTEM_CONTEXT, (tx) => emitWebhookEvent(tx, type, data))
}

export const delivery = (env: Pick<WorkerTestEnv, 'db'>, id: string) =>
  withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.webhookDelivery.findUniqueOrThrow({ where: { id } }))
