import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, test } from 'node:test'
import { SYSTEM_CONTEXT, createPrismaClient, withTx } from '@printforge/db'
import { multipart } from './helper.ts'
import { jpeg } from './images.ts'
import { spawnApi, type ApiProcess } from './process.ts'

// The real server process (dist/server.js), as the process manager runs it.
let api: ApiProcess
let token: string

before(async () => {
  api = await spawnApi()
  token = api.token({ actor_id: 'cus_sigterm', actor_type: 'customer' })
})
after(() => api?.stop())

describe('SIGTERM during an upload (docs/product.md §6, §12)', () => {
  test('the upload in flight completes and its job is kept; new requests are refused; the process exits cleanly', async () => {
    const body = multipart([{ name: 'title', value: 'in flight' }, { name: 'images', filename: 'a.jpg', content: await jpeg(640, 480) }])
    const exited = api.exited()
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(`${api.url}/jobs/create`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...body.headers } }, (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      })
      request.on('error', reject)
      request.write(body.payload.subarray(0, 300))
      setTimeout(() => {
        api.child.kill('SIGTERM')
        // Keep streaming after the signal: the request started before it and must be served.
        setTimeout(() => request.end(body.payload.subarray(300)), 500)
      }, 300)
    })
    const result = await response
    assert.equal(result.status, 202, result.body)
    const jobId = JSON.parse(result.body).job.id as string
    const refused = await fetch(`${api.url}/health`).then((r) => r.status, () => 'refused')
    assert.ok(refused === 'refused' || refused === 503, `after SIGTERM: ${refused}`)
    assert.equal(await exited, 0)
    const db = createPrismaClient({ url: api.database.appUrl, poolMax: 1 })
    try {
      const job = await withTx(db, SYSTEM_CONTEXT, (tx) => tx.scanJob.findUniqueOrThrow({ where: { id: jobId }, include: { images: true } }))
      assert.equal(job.status, 'queued')
      assert.deepEqual(await api.store.listKeys(`quarantine/${jobId}/`), [job.images[0]?.quarantineKey])
    } finally {
      await db.$disconnect()
    }
  })
})
