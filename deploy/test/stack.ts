// What the deployment tests share: the stack npm run deploy:test brought up (DEPLOY_* variables),
// HTTPS requests that trust only its certificate, and docker / docker-compose commands.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import https from 'node:https'
import path from 'node:path'
import tls from 'node:tls'
import { createSigner } from 'fast-jwt'

const required = (name: string) => process.env[name] ?? assert.fail(`${name} is not set: run these tests with npm run deploy:test`)
export const BASE = required('DEPLOY_URL')
export const HTTP_BASE = required('DEPLOY_HTTP_URL')
export const CA = readFileSync(required('DEPLOY_CA'))
const SECRETS = required('DEPLOY_SECRETS')
const COMPOSE_ARGS = JSON.parse(required('DEPLOY_COMPOSE')) as string[]
const DOCKER = required('DEPLOY_DOCKER')
export const ORIGIN = 'https://shop.example.com'
const base = new URL(BASE)

export const secret = (name: string) => readFileSync(path.join(SECRETS, name), 'utf8').trim()

/** A token as Medusa issues it (HS256 with the deployment's JWT secret). */
export function token(actorType: 'customer' | 'user', actorId: string): string {
  return createSigner({ key: secret('jwt_secret'), algorithm: 'HS256', expiresIn: 600_000 })({ actor_id: actorId, actor_type: actorType, auth_identity_id: `authid_${actorId}`, app_metadata: {} })
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  text: string
  json<T = unknown>(): T
}

/** One HTTPS request to nginx, verifying its certificate against the deployment's own. */
export function request(method: string, url: string, options: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(url, BASE), { method, ca: CA, headers: options.headers, servername: 'localhost' }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8'), json: () => JSON.parse(body.toString('utf8')) })
      })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Raw bytes over TLS (what an HTTP client would never send): returns everything nginx answered. */
export function rawTls(payload: string, waitMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: base.hostname, port: Number(base.port), ca: CA, servername: 'localhost', ALPNProtocols: ['http/1.1'] }, () => socket.write(payload))
    let out = ''
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')))
    socket.on('error', reject)
    socket.on('close', () => resolve(out))
    setTimeout(() => socket.destroy(), waitMs).unref()
  })
}

export function docker(args: string[], options: { allowFail?: boolean; input?: string } = {}) {
  const result = spawnSync(DOCKER, args, { encoding: 'utf8', input: options.input, maxBuffer: 64 * 1024 * 1024 })
  if (!options.allowFail && result.status !== 0) assert.fail(`docker ${args.join(' ')}: ${result.stderr}`)
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

export function compose(args: string[], options: { allowFail?: boolean } = {}) {
  const result = spawnSync('docker-compose', [...COMPOSE_ARGS, ...args], { encoding: 'utf8', env: process.env, maxBuffer: 64 * 1024 * 1024 })
  if (!options.allowFail && result.status !== 0) assert.fail(`docker-compose ${args.join(' ')}: ${result.stderr}`)
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** The container ids of one compose service. */
export const containers = (service: string) => compose(['ps', '-q', service]).stdout.split('\n').filter(Boolean)
export const project = COMPOSE_ARGS[COMPOSE_ARGS.indexOf('-p') + 1] as string

/** Polls `probe` until it returns a value; every 500 ms, or `everyMs` (mind the API's rate limit: 100/min). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** A multipart/form-data body. */
export function multipart(parts: ({ name: string; value: string } | { name: string; filename: string; content: Buffer; contentType: string })[]) {
  const boundary = `----pfdeploy${Date.now().toString(16)}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    const head = 'filename' in part
      ? `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType}\r\n`
      : `Content-Disposition: form-data; name="${part.name}"\r\n`
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n`), 'filename' in part ? part.content : Buffer.from(part.value), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}
