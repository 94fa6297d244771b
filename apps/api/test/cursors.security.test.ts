import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { useApi } from './helper.ts'

const api = useApi()
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

// Review finding 3: crafted cursors reached Prisma unchecked and answered 500.
const timeAndUuid = [
  ['x', 'y'],
  ['2026-01-01T00:00:00.000Z', 'not-a-uuid'],
  ['yesterday', randomUUID()],
  ['2026-13-45T99:99:99.000Z', randomUUID()],
  [1, 2],
  [null, null],
  ['2026-01-01T00:00:00.000Z'],
]
const nameAndUuid = [['\u0000', randomUUID()], ['a'.repeat(300), randomUUID()], ['name', 'x'], [{}, []]]
const auditIds = [['abc'], ['-1'], ['0'], ['1.5'], ['99999999999999999999'], ['1e3'], [5], ['9223372036854775808']]
const garbage = ['!!!', b64('not json'), b64('{"a":1}'), b64('[]'), 'x'.repeat(200)]

async function assertAll400(url: string, auth: Record<string, string>, cursors: unknown[][]) {
  for (const cursor of [...cursors.map(b64), ...garbage]) {
    const res = await api.app.inject({ method: 'GET', url: `${url}?cursor=${encodeURIComponent(cursor)}`, headers: auth })
    assert.equal(res.statusCode, 400, `${url} cursor ${cursor}: ${res.body}`)
    assert.equal(res.json().error.code, 'VALIDATION_FAILED')
  }
}

describe('pagination cursors are validated before any query (review finding 3)', () => {
  test('GET /jobs', async () => assertAll400('/jobs', api.customer().auth, timeAndUuid))
  test('GET /manufacturing', async () => assertAll400('/manufacturing', (await api.staff('admin')).auth, timeAndUuid))
  test('GET /printers', async () => assertAll400('/printers', (await api.staff('operator')).auth, [...nameAndUuid, [1, 2], [null, null], ['only-a-name']]))
  test('GET /audit', async () => assertAll400('/audit', (await api.staff('admin')).auth, auditIds))

  test('a cursor the API issued still pages', async () => {
    const admin = await api.staff('admin')
    // Each read of the log is itself audited: two reads leave two rows to page through.
    for (let i = 0; i < 2; i++) await api.app.inject({ method: 'GET', url: '/audit', headers: admin.auth })
    const first = await api.app.inject({ method: 'GET', url: '/audit?limit=1', headers: admin.auth })
    assert.equal(first.statusCode, 200, first.body)
    const { nextCursor } = first.json()
    assert.ok(nextCursor)
    const second = await api.app.inject({ method: 'GET', url: `/audit?limit=1&cursor=${nextCursor}`, headers: admin.auth })
    assert.equal(second.statusCode, 200, second.body)
  })

  test('a limit that coerces to ±Infinity is a 400, not a 500 (fuzzing finding)', async () => {
    // ajv's coerceTypes makes "1e400" Infinity and then skips maximum: it reached Prisma as take.
    const admin = await api.staff('admin')
    for (const url of ['/jobs', '/manufacturing', '/printers', '/audit']) {
      for (const limit of ['1e400', '-1e400', '9'.repeat(309), 'Infinity']) {
        const res = await api.app.inject({ method: 'GET', url: `${url}?limit=${limit}`, headers: admin.auth })
        assert.equal(res.statusCode, 400, `${url}?limit=${limit.slice(0, 12)}: ${res.body}`)
        assert.equal(res.json().error.code, 'VALIDATION_FAILED')
      }
    }
  })

  test('a NUL byte in a text filter is a 400, not a database error', async () => {
    const admin = await api.staff('admin')
    const res = await api.app.inject({ method: 'GET', url: `/audit?actorId=${encodeURIComponent('a\u0000b')}`, headers: admin.auth })
    assert.equal(res.statusCode, 400, res.body)
  })
})
