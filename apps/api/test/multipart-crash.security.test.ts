import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createPrismaClient, SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { jpeg } from './images.ts'
import { rawRequest, spawnApi, type ApiProcess } from './process.ts'

// Finding 1 of the second security review: a multipart body with more parts than the `parts`
// limit that ends inside a part made @fastify/busboy ≤ 3.2.5 emit an 'error' nobody listened to,
// and the whole API process exited. These requests go to the real server process.
let api: ApiProcess
let customer: string
let admin: string

before(async () => {
  api = await spawnApi()
  // Random ids: the rate limits live in the shared Redis, keyed by actor.
  const suffix = randomBytes(6).toString('hex')
  customer = api.token({ actor_id: `cus_${suffix}`, actor_type: 'customer' })
  const db = createPrismaClient({ url: api.database.appUrl, poolMax: 1 })
  await withTx(db, SYSTEM_CONTEXT, (tx) => tx.staff.create({ data: { userId: `user_${suffix}`, role: 'admin', grantedBy: 'test' } }))
  await db.$disconnect()
  admin = api.token({ actor_id: `user_${suffix}`, actor_type: 'user' })
})
after(() => api?.stop())

const boundary = () => `----pf${randomBytes(6).toString('hex')}`
const field = (b: string, name: string, value: string) => `--${b}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
const fileHead = (b: string, name: string, filename: string) =>
  `--${b}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`

function post(path: string, token: string, contentType: string, body: Buffer) {
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`
  return rawRequest(api.port, head, body)
}

async function assertStillServing(what: string) {
  await new Promise((r) => setTimeout(r, 200)) // an uncaught error would end the process within a tick or two
  assert.ok(api.alive(), `the API process exited after ${what}`)
  const health = await fetch(`${api.url}/health`)
  assert.equal(health.status, 200, `the API stopped answering after ${what}`)
}

const routes = () => [
  { path: '/jobs/create', token: customer, file: 'images', name: 'a.jpg' },
  { path: '/manufacturing/create', token: admin, file: 'model', name: 'm.gcode.3mf' },
]

describe('multipart bodies never take the process down (review finding 1)', () => {
  test('more parts than the limit, body ending inside a part: 4xx, and the process keeps serving', async () => {
    for (const route of routes()) {
      const b = boundary()
      const fields = Array.from({ length: 61 }, (_, i) => field(b, `f${i}`, 'x')).join('')
      const body = Buffer.from(`${fields}--${b}\r\nContent-Disposition: form-data; name="tail"\r\n\r\nunterminated`)
      const res = await post(route.path, route.token, `multipart/form-data; boundary=${b}`, body)
      assert.ok(res.status === 0 || (res.status >= 400 && res.status < 500), `${route.path}: ${res.status}`)
      await assertStillServing(`${route.path} with 61 parts and a truncated body`)
    }
  })

  test('more files than the limit, the last one cut off: 4xx, and the process keeps serving', async () => {
    const image = await jpeg()
    const b = boundary()
    const files = Array.from({ length: 52 }, () => Buffer.concat([Buffer.from(fileHead(b, 'images', 'a.jpg')), image, Buffer.from('\r\n')]))
    const body = Buffer.concat([Buffer.from(field(b, 'title', 'many')), ...files, Buffer.from(fileHead(b, 'images', 'cut.jpg')), image.subarray(0, 100)])
    const res = await post('/jobs/create', customer, `multipart/form-data; boundary=${b}`, body)
    assert.ok(res.status >= 400 && res.status < 500, String(res.status))
    await assertStillServing('52 files and a truncated body')
  })

  test('a refused first file followed by a truncated body: the unread part stream cannot crash the process', async () => {
    for (const route of routes()) {
      const b = boundary()
      const body = Buffer.from(`${field(b, 'title', 't')}${fileHead(b, route.file, 'evil.svg')}<svg>${'x'.repeat(70_000)}`)
      const res = await post(route.path, route.token, `multipart/form-data; boundary=${b}`, body)
      assert.ok(res.status === 0 || (res.status >= 400 && res.status < 500), `${route.path}: ${res.status}`)
      await assertStillServing(`${route.path} with a refused, truncated file`)
    }
  })

  test('a body ending inside a part answers 400 (not 500)', async () => {
    for (const route of routes()) {
      const b = boundary()
      const body = Buffer.from(`${field(b, 'title', 't')}${fileHead(b, route.file, route.name)}PK\u0003\u0004 and then nothing`)
      const res = await post(route.path, route.token, `multipart/form-data; boundary=${b}`, body)
      assert.equal(res.status, 400, `${route.path}: ${res.text.slice(0, 300)}`)
      await assertStillServing(`${route.path} with a body ending inside a part`)
    }
  })

  test('multipart without a boundary answers 400 (not 500)', async () => {
    for (const route of routes()) {
      const res = await post(route.path, route.token, 'multipart/form-data', Buffer.from('--x\r\n\r\n'))
      assert.equal(res.status, 400, `${route.path}: ${res.text.slice(0, 300)}`)
      await assertStillServing(`${route.path} without a boundary`)
    }
  })
})

// Found by the multipart fuzz (a request that never answered): @fastify/busboy 3.2.6 skips a part
// it does not hand out (not form-data, or past a limit) by buffering it, and a skipped part of
// more than 16 KiB that ended in the same chunk as the closing delimiter left its parser paused
// for good: no 'finish', no error, the handler waiting forever with its upload slot taken.
// patches/@fastify+busboy+3.2.6.patch reads skipped parts as busboy reads the others.
describe('a part the parser skips never leaves a request unanswered', () => {
  const skippedParts = {
    'a part that is not form-data': (b: string) => `--${b}\r\nContent-Disposition: attachment; name="title"\r\n\r\n${'v'.repeat(30_000)}\r\n`,
    'a part without Content-Disposition': (b: string) => `--${b}\r\nContent-Type: text/plain\r\n\r\n${'v'.repeat(30_000)}\r\n`,
    'a field past the fields limit': (b: string) => Array.from({ length: 12 }, (_, i) => field(b, `extra${i}`, i === 11 ? 'v'.repeat(30_000) : 'x')).join(''),
  }

  test('a skipped part of 30 KB, last before the closing boundary: the request is answered', async () => {
    const image = await jpeg()
    for (const route of routes()) {
      for (const [what, skipped] of Object.entries(skippedParts)) {
        const b = boundary()
        const first = route.file === 'images' ? field(b, 'title', 't') : field(b, 'model', 'P1S')
        const file = Buffer.concat([Buffer.from(fileHead(b, route.file, route.name)), route.file === 'images' ? image : Buffer.from('PK\u0003\u0004'), Buffer.from('\r\n')])
        const body = Buffer.concat([Buffer.from(first), file, Buffer.from(skipped(b)), Buffer.from(`--${b}--\r\n`)])
        const res = await post(route.path, route.token, `multipart/form-data; boundary=${b}`, body)
        assert.ok(res.status >= 200 && res.status < 500, `${route.path}, ${what}: ${res.status === 0 ? 'no answer within 10 s' : res.text.slice(0, 300)}`)
      }
    }
    await assertStillServing('skipped parts')
  })
})
