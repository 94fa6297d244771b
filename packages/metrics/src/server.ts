import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'

export interface MetricsServerOptions {
  registry: Registry
  /** The internal network's address (compose) or loopback; never published through nginx. */
  host: string
  /** 0 picks a free port (tests); the caller decides whether to start a listener at all. */
  port: number
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string | undefined
  /** A collector that threw: the scrape answers 500 and the cause goes here. */
  onError?: (err: Error) => void
}

export interface MetricsServer {
  port: number
  close(): Promise<void>
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * The metrics listener, apart from the API's port so that nothing routed by nginx can reach it and
 * a scrape never competes with the API's rate limits or load shedding. A plain node:http server:
 * one route, no framework needed. Answers GET /metrics only; everything else is 404.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const expected = options.token ? digest(`Bearer ${options.token}`) : null
  const authorized = (req: IncomingMessage) =>
    // Digests have one length, so the comparison takes the same time whatever was sent.
    expected === null || timingSafeEqual(digest(req.headers.authorization ?? ''), expected)

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    if (!authorized(req)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized\n')
      return
    }
    try {
      const body = await options.registry.metrics()
      res.writeHead(200, { 'content-type': options.registry.contentType, 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch (err) {
      options.onError?.(err as Error)
      res.writeHead(500, { 'content-type': 'text/plain' }).end('collection failed\n')
    }
  }

  const server = createServer((req, res) => void handle(req, res))
  // Scrapers send small requests: no slow-loris room, and only a few at once.
  server.headersTimeout = 5_000
  server.requestTimeout = 10_000
  server.maxConnections = 32
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
