import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { createTestDatabase, freePort, testEnvironment, type TestDatabase } from '@printforge/devstack'
import { createObjectStore, createS3Client, type ObjectStore } from '@printforge/storage'
import { createSigner } from 'fast-jwt'

/** The real API process (dist/server.js) as a process manager runs it, on its own database and bucket. */
export interface ApiProcess {
  child: ChildProcess
  port: number
  url: string
  /** GET /metrics of this process (its own listener, on a free port unless METRICS_PORT is given). */
  metricsUrl: string
  database: TestDatabase
  store: ObjectStore
  secret: string
  /** A Medusa-shaped token signed with this process's secret. */
  token(claims: Record<string, unknown>): string
  /** Resolves with the exit code once the process has exited (immediately if it already has). */
  exited(): Promise<number | null>
  alive(): boolean
  stop(): Promise<void>
}

export interface SpawnOptions {
  env?: Record<string, string>
  /** Where the child's stderr goes (default: inherited, so a crash's stack trace shows in the test log). */
  stderr?: 'inherit' | 'pipe' | 'ignore'
  database?: TestDatabase
}

const BOOT_DEADLINE_MS = 60_000

export async function spawnApi(options: SpawnOptions = {}): Promise<ApiProcess> {
  const env = testEnvironment()
  const database = options.database ?? (await createTestDatabase())
  const bucket = `pf-${randomBytes(6).toString('hex')}`
  const s3 = createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey })
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  const secret = randomBytes(32).toString('base64url')
  const port = await freePort()
  const metricsPort = options.env?.['METRICS_PORT'] ?? String(await freePort())
  const child = spawn(process.execPath, [fileURLToPath(new URL('../dist/server.js', import.meta.url))], {
    env: {
      PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', LOG_LEVEL: process.env["PF_TEST_API_LOG"] ?? "warn", DATABASE_URL: database.appUrl, REDIS_URL: env.redisUrl,
      S3_ENDPOINT: env.s3.endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: env.s3.accessKeyId, S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
      JWT_SECRET: secret, API_PORT: String(port), ALLOWED_ORIGINS: 'https://shop.example.com', PRINTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      QUEUE_PREFIX: `pfp${randomBytes(4).toString('hex')}`, METRICS_PORT: metricsPort,
      // A process of its own, but on a two-core machine running several test files: CI saw it shed
      // the first request after start (503 "overloaded", sigterm.test.ts) when its loop had waited
      // over a second for a core. Off, as for the in-process test APIs (helper.ts);
      // under-pressure.test.ts sets real limits and proves the shedding.
      PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
      ...options.env,
    },
    stdio: ['ignore', process.env['PF_TEST_API_LOG'] ? 'inherit' : 'ignore', options.stderr ?? 'inherit'],
  })
  let exitCode: number | null | undefined
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exitCode = code))))
  const url = `http://127.0.0.1:${port}`
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: 600_000 })
  const api: ApiProcess = {
    child, port, url, database, secret, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    store: createObjectStore(s3, bucket),
    token: (claims) => sign(claims),
    exited: () => exit,
    alive: () => exitCode === undefined,
    async stop() {
      if (api.alive()) child.kill('SIGKILL')
      await exit
      if (!options.database) await database.drop()
    },
  }
  // A boot deadline, not a timing claim: on a loaded CI machine (two cores, four test files and
  // their services) a cold boot has taken over 10 s.
  const deadline = Date.now() + BOOT_DEADLINE_MS
  while (Date.now() < deadline) {
    if (!api.alive()) throw new Error(`API exited during boot (code ${exitCode})`)
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return api
    await new Promise((r) => setTimeout(r, 100))
  }
  await api.stop()
  throw new Error(`API did not answer /health within ${BOOT_DEADLINE_MS / 1000} s`)
}

/**
 * Sends raw bytes as one HTTP request and resolves with the status line's code (0 when the
 * server closed without answering). Raw, because a client library would refuse to send the
 * malformed bodies these tests need (bodies that end inside a part, lying lengths).
 */
export function rawRequest(port: number, head: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => (text += d))
    socket.on('error', () => {})
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }))
    // The body is complete as far as HTTP goes (Content-Length); what it holds may be cut short.
    // No half-close: Node's server drops a connection whose client ended before the answer.
    socket.write(head)
    socket.write(body)
    setTimeout(() => socket.destroy(), 10_000).unref()
  })
}
