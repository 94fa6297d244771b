// `npm run dev` only: a stand-in for Medusa's `POST /auth/user/emailpass`, so the console's sign-in
// works without a Medusa (docs/console.md, "dev sign-in"). It signs with the API's JWT_SECRET the
// claims Medusa 2.21 gives an admin user's session; the API verifies them like any Medusa token.
// Refuses to start under NODE_ENV=production and is in no image.
import { createHash, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createSigner } from 'fast-jwt'

export interface DevAccount {
  email: string
  password: string
  /** A Medusa user id (`user_…`); its staff role is granted through the ops CLI. */
  userId: string
}

export interface DevAuthOptions {
  jwtSecret: string
  accounts: DevAccount[]
  /** The only origins a browser may call from (the console's), exact matches. */
  allowedOrigins: string[]
  /** 0 (default): the OS picks a port. Always bound to 127.0.0.1. */
  port?: number
  /** Defaults to process.env.NODE_ENV. */
  nodeEnv?: string | undefined
  /** Token lifetime in seconds (Medusa's default: 24 h). */
  ttlSeconds?: number
}

export interface RunningDevAuth {
  url: string
  port: number
  stop(): Promise<void>
}

const BODY_LIMIT = 4 * 1024
const ROUTE = '/auth/user/emailpass'

// Fixed-length digests, so timingSafeEqual compares equal lengths whatever was typed.
const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

/**
 * The account matching both e-mail and password, or undefined. Every account is compared, in
 * full and in constant time, whichever matches: neither a wrong e-mail nor a wrong password
 * answers sooner than the other.
 */
function findAccount(accounts: DevAccount[], email: string, password: string): DevAccount | undefined {
  const givenEmail = digest(email.trim().toLowerCase())
  const givenPassword = digest(password)
  let found: DevAccount | undefined
  for (const account of accounts) {
    const emailOk = timingSafeEqual(givenEmail, digest(account.email.toLowerCase()))
    const passwordOk = timingSafeEqual(givenPassword, digest(account.password))
    if (emailOk && passwordOk) found = account
  }
  return found
}

export async function startDevAuth(options: DevAuthOptions): Promise<RunningDevAuth> {
  const nodeEnv = 'nodeEnv' in options ? options.nodeEnv : process.env['NODE_ENV']
  if (nodeEnv === 'production') throw new Error('the dev sign-in server refuses to start with NODE_ENV=production: production signs in through Medusa (MEDUSA_URL)')
  if (!options.jwtSecret) throw new Error('the dev sign-in server needs the API\'s JWT_SECRET')
  const ttl = options.ttlSeconds ?? 86_400
  const sign = createSigner({ key: options.jwtSecret, algorithm: 'HS256', expiresIn: ttl * 1000 })
  const origins = new Set(options.allowedOrigins)

  const server = http.createServer((req, res) => {
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'cache-control': 'no-store', vary: 'Origin', ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers })
      res.end(body === undefined ? undefined : JSON.stringify(body))
    }
    const origin = req.headers.origin
    // A browser on another origin gets nothing (no Access-Control-Allow-* header, no token);
    // callers without Origin (curl, tests) are not browsers and may post.
    if (origin !== undefined && !origins.has(origin)) return send(403, { type: 'not_allowed', message: 'Origin not allowed' })
    const cors: Record<string, string> = origin ? { 'access-control-allow-origin': origin } : {}
    const path = (req.url ?? '').split('?')[0]
    if (path !== ROUTE) return send(404, { type: 'not_found', message: 'Not found' }, cors)
    if (req.method === 'OPTIONS') {
      return send(204, undefined, { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'Content-Type', 'access-control-max-age': '600' })
    }
    if (req.method !== 'POST') return send(405, { type: 'not_allowed', message: 'Method not allowed' }, { ...cors, allow: 'POST, OPTIONS' })
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return send(415, { type: 'invalid_data', message: 'Send JSON' }, cors)
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > BODY_LIMIT) {
        send(413, { type: 'invalid_data', message: 'Body too large' }, { ...cors, connection: 'close' })
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on('end', () => {
      if (res.headersSent) return
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        return send(400, { type: 'invalid_data', message: 'Invalid JSON' }, cors)
      }
      const { email, password } = (body ?? {}) as { email?: unknown; password?: unknown }
      if (typeof email !== 'string' || typeof password !== 'string') return send(400, { type: 'invalid_data', message: 'email and password are required' }, cors)
      const account = findAccount(options.accounts, email, password)
      if (!account) return send(401, { type: 'unauthorized', message: 'Invalid email or password' }, cors)
      // Medusa 2.21's claims for a user's emailpass session (iat and exp added by the signer).
      const token = sign({
        actor_id: account.userId,
        actor_type: 'user',
        auth_identity_id: `authid_dev_${account.userId}`,
        auth_provider: 'emailpass',
        mfa_enabled: false,
        mfa_challenge_completed_at: null,
        app_metadata: { user_id: account.userId },
        user_metadata: {},
      })
      send(200, { token }, cors)
    })
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
