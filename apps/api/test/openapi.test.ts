import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { useApi } from './helper.ts'

const dev = useApi({ NODE_ENV: 'development' })
const production = useApi({ NODE_ENV: 'production' })

describe('OpenAPI (docs/product.md §3, §12)', () => {
  test('outside production the spec and UI are served; every route has an operationId', async () => {
    const res = await dev.app.inject({ method: 'GET', url: '/docs/json' })
    assert.equal(res.statusCode, 200)
    const spec = res.json()
    assert.ok(spec.paths['/jobs/create'].post)
    assert.ok(spec.paths['/printers/{id}/commands'].post)
    for (const [path, methods] of Object.entries(spec.paths as Record<string, Record<string, { operationId?: string }>>)) {
      for (const [method, op] of Object.entries(methods)) assert.ok(op.operationId, `${method.toUpperCase()} ${path} has no operationId`)
    }
    assert.equal((await dev.app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, true)
  })

  test('GET /me/export documents the whole document, closed wherever the object is ours', async () => {
    const spec = (await dev.app.inject({ method: 'GET', url: '/docs/json' })).json()
    const doc = spec.paths['/me/export'].get.responses['200'].content['application/json'].schema
    assert.deepEqual(Object.keys(doc.properties), ['exportedAt', 'identity', 'quota', 'jobs', 'auditTrail'])
    const job = doc.properties.jobs.items
    const image = job.properties.images.items
    const audit = doc.properties.auditTrail.items
    for (const [name, schema] of Object.entries({ doc, identity: doc.properties.identity, job, image, audit })) {
      assert.equal(schema.additionalProperties, false, `${name} is closed`)
    }
    assert.ok(job.properties.finishedAt && image.properties.sha256 && audit.properties.details)
  })

  test('in production the spec is for staff only and there is no UI', async () => {
    assert.equal((await production.app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 401)
    assert.equal((await production.app.inject({ method: 'GET', url: '/docs/json', headers: production.customer().auth })).statusCode, 403)
    const operator = await production.staff('operator')
    const res = await production.app.inject({ method: 'GET', url: '/docs/json', headers: operator.auth })
    assert.equal(res.statusCode, 200)
    assert.ok(res.json().paths['/jobs/{id}'])
    assert.equal((await production.app.inject({ method: 'GET', url: '/docs' })).statusCode, 404)
  })
})
