// One HTTP attempt of a webhook delivery (docs/integrations.md "Webhooks", "Sending"). The
// connection's own DNS lookup refuses non-public addresses (checkingLookup), so the address the
// socket reaches is the address that was checked; redirects are never followed (node:https does
// not follow them, and a 3xx counts as a failure); the answer is read up to 256 characters.
import http from 'node:http'
import https from 'node:https'
import { checkingLookup, literalTargetRefusal, type DeliveryResult, type SocketLookup, type WebhookTarget } from '@printforge/domain'

export interface SendTimeouts {
  /** Until the connection (TLS included) is up. */
  connectMs: number
  /** The whole attempt. */
  totalMs: number
}

export const DEFAULT_SEND_TIMEOUTS: SendTimeouts = { connectMs: 5_000, totalMs: 10_000 }
const SNIPPET_CHARS = 256

export interface SendRequest {
  target: WebhookTarget
  headers: Record<string, string>
  body: string
  timeouts?: SendTimeouts
  /** The resolver the checking lookup asks (tests answer with chosen addresses); default dns.lookup. */
  lookup?: Parameters<typeof checkingLookup>[0]
}

export function sendWebhook(req: SendRequest): Promise<DeliveryResult> {
  const { target, body } = req
  const timeouts = req.timeouts ?? DEFAULT_SEND_TIMEOUTS
  // A literal address never reaches a lookup (node:net connects to it directly): check it here.
  const refused = literalTargetRefusal(target)
  if (refused) return Promise.resolve({ ok: false, error: `refused target (${refused})` })
  const transport = target.url.protocol === 'https:' ? https : http
  const lookup: SocketLookup | undefined = target.dev ? undefined : checkingLookup(req.lookup)

  return new Promise<DeliveryResult>((resolve) => {
    let settled = false
    const finish = (result: DeliveryResult) => {
      if (settled) return
      settled = true
      clearTimeout(connectTimer)
      clearTimeout(totalTimer)
      request.destroy()
      resolve(result)
    }
    const request = transport.request(target.url, {
      method: 'POST',
      // A fresh connection per attempt: no socket pooled under another lookup is ever reused.
      agent: false,
      ...(lookup ? { lookup: lookup as never } : {}),
      headers: { ...req.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'PrintForge-Webhooks/1', connection: 'close' },
    })
    const connectTimer = setTimeout(() => finish({ ok: false, error: `connect timeout after ${timeouts.connectMs} ms` }), timeouts.connectMs)
    const totalTimer = setTimeout(() => finish({ ok: false, error: `timeout after ${timeouts.totalMs} ms` }), timeouts.totalMs)
    request.on('socket', (socket) => {
      const up = () => clearTimeout(connectTimer)
      socket.once(transport === https ? 'secureConnect' : 'connect', up)
    })
    request.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: errorText(err) }))
    request.on('response', (res) => {
      const statusCode = res.statusCode ?? 0
      const ok = statusCode >= 200 && statusCode < 300
      let snippet = ''
      const done = () => finish({ ok, statusCode, snippet, ...(ok ? {} : { error: statusCode >= 300 && statusCode < 400 ? `redirect (HTTP ${statusCode}) not followed` : `HTTP ${statusCode}` }) })
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        snippet += chunk
        if (snippet.length >= SNIPPET_CHARS) {
          snippet = snippet.slice(0, SNIPPET_CHARS)
          done()
        }
      })
      res.on('end', done)
      res.on('error', done)
    })
    request.end(body)
  })
}

/** The error as a short, secret-free line (no headers or body are ever part of it). */
function errorText(err: NodeJS.ErrnoException): string {
  if (err.code === 'EWEBHOOKTARGET') return err.message
  return `${err.code ?? 'error'}: ${err.message}`.slice(0, 300)
}
