import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { freePort } from '@printforge/devstack'
import { isStorageUnavailable } from '@printforge/storage'
import { buildApp } from '../src/app.ts'
import { multipart, useApi } from './helper.ts'
import { jpeg } from './images.ts'

const api = useApi()

describe('storage down (docs/product.md §10: a dependency down is a fast 503)', () => {
  test('uploads while storage is unreachable are 503s — within 100 ms once the outage is known — and create nothing', async () => {
    const app = await buildApp({ config: { ...api.config, S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` }, queuePrefix: api.queuePrefix, redisKeyPrefix: `${api.queuePrefix}:` })
    await app.ready()
    try {
      const customer = api.customer()
      const body = multipart([{ name: 'title', value: 't' }, { name: 'images', filename: 'a.jpg', content: await jpeg() }])
      for (let i = 0; i < 4; i++) {
        const started = Date.now()
        const res = await app.inject({ method: 'POST', url: '/jobs/create', headers: { ...customer.auth, ...body.headers }, payload: body.payload })
        const took = Date.now() - started
        assert.equal(res.statusCode, 503, res.body)
        assert.equal(res.json().error.code, 'UNAVAILABLE')
        // The first attempt learns of the outage (storage refused the connection); the rest are refused up front.
        if (i > 0) assert.ok(took < 100, `attempt ${i} took ${took} ms`)
      }
      assert.equal(app.store.health.up, false)
      const ready = await app.inject({ method: 'GET', url: '/health/ready' })
      assert.deepEqual([ready.statusCode, ready.json().checks.storage], [503, false])
      assert.equal(await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.count({ where: { customerId: customer.id } })), 0)
    } finally {
      await app.close()
    }
  })

  test('what counts as "storage unavailable", and what stays our own fault', () => {
    const sdk = (status: number) => Object.assign(new Error('x'), { $metadata: { httpStatusCode: status } })
    for (const err of [Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), Object.assign(new Error('t'), { name: 'TimeoutError' }), sdk(503), sdk(500), new Error('wrapped', { cause: Object.assign(new Error('r'), { code: 'ECONNRESET' }) })]) {
      assert.equal(isStorageUnavailable(err), true, err.message)
    }
    for (const err of [sdk(403), sdk(404), new Error('bug'), null, 'text']) assert.equal(isStorageUnavailable(err), false, String(err))
  })
})
