import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import sharp from 'sharp'
import { hasGpsTag } from '../../apps/worker/test/images.ts'
import { as, customer, jobStatus, uploadScan } from './scans.ts'
import { compose, docker, project, request, waitFor } from './stack.ts'

const admin = `user_deploy${randomBytes(4).toString('hex')}`

/** Reads a presigned URL from inside the backend network (object storage is not published). */
function fetchInside(url: string): Buffer {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => { if (!r.ok) process.exit(2); process.stdout.write(Buffer.from(await r.arrayBuffer()).toString('base64')) })`
  return Buffer.from(docker(['run', '--rm', '--network', `${project}_backend`, '--entrypoint', 'node', 'printforge/api:deploy-test', '-e', script]).stdout, 'base64')
}

describe('a customer scan through nginx, end to end (docs/product.md §4.2, §6)', () => {
  test('upload a JPEG with EXIF GPS: 202, then stored, and the stored image carries no EXIF', async () => {
    const id = await uploadScan()
    const job = await waitFor('the scan stored', async () => {
      const j = await jobStatus(id)
      return j.status === 'stored' ? j : undefined
    }, 120_000)
    const image = job.images[0]!
    const link = await request('GET', `/jobs/${id}/images/${image.id}`, { headers: as('customer', customer) })
    assert.equal(link.status, 200, link.text)
    const bytes = fetchInside(link.json<{ url: string }>().url)
    const meta = await sharp(bytes).metadata()
    assert.equal(meta.format, 'jpeg')
    assert.ok(!meta.exif || !hasGpsTag(meta.exif), 'GPS is gone')
    assert.equal(meta.exif, undefined, 'no EXIF at all')
  })

  test('an admin granted with the CLI container verifies the audit chain through the API', async () => {
    const grant = compose(['run', '--rm', '--no-deps', 'cli', 'staff', 'grant', admin, 'admin'])
    assert.match(grant.stdout, /admin/)
    const verify = await request('GET', '/audit/verify', { headers: as('user', admin) })
    assert.equal(verify.status, 200, verify.text)
    const result = verify.json<{ ok: boolean; checked: number }>()
    assert.equal(result.ok, true)
    assert.ok(result.checked > 0)
  })
})
