import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { auditRows, multipart, rawMultipart, useApi } from './helper.ts'
import { jpeg, png, pngBomb } from './images.ts'

const api = useApi()
const MiB = 1024 * 1024

const quarantine = () => api.store.listKeys('quarantine/')

async function upload(parts: Parameters<typeof multipart>[0], headers: Record<string, string> = api.customer().auth) {
  const body = multipart(parts)
  return api.app.inject({ method: 'POST', url: '/jobs/create', headers: { ...headers, ...body.headers }, payload: body.payload })
}

/** Sends a request that must be refused with `status`, and proves it left nothing behind. */
async function refused(status: number, code: string, parts: Parameters<typeof multipart>[0]) {
  const before = await quarantine()
  const customer = api.customer()
  const res = await upload(parts, customer.auth)
  assert.equal(res.statusCode, status, res.body)
  assert.equal(res.json().error.code, code)
  // The client may still be sending: the refusal closes the connection rather than read the rest.
  assert.equal(res.headers['connection'], 'close', 'a refused upload closes its connection')
  assert.deepEqual(await quarantine(), before, 'the refused request left objects in quarantine')
  const jobs = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.count({ where: { customerId: customer.id } }))
  assert.equal(jobs, 0, 'the refused request created a job')
  return res
}

const image = async (filename = 'a.jpg', content?: Buffer) => ({ name: 'images', filename, content: content ?? (await jpeg()), contentType: 'image/jpeg' })
const title = { name: 'title', value: 'Vase scan' }

describe('POST /jobs/create: validated streaming uploads (docs/product.md §4.2, §12)', () => {
  test('JPEG and PNG are accepted, streamed to quarantine/<jobId>/<imageId>, and audited', async () => {
    const customer = api.customer()
    const res = await upload([title, { name: 'notes', value: 'matte' }, await image('front.JPG'), { name: 'images', filename: 'side.png', content: await png(), contentType: 'image/png' }], customer.auth)
    assert.equal(res.statusCode, 202, res.body)
    const { job } = res.json()
    assert.equal(job.status, 'queued')
    assert.equal(job.imageCount, 2)
    const images = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.scanImage.findMany({ where: { jobId: job.id }, orderBy: { createdAt: 'asc' } }))
    assert.deepEqual(images.map((i) => [i.originalFilename, i.contentType, i.width, i.height]).sort(), [['front.JPG', 'image/jpeg', 64, 48], ['side.png', 'image/png', 32, 32]])
    const keys = await api.store.listKeys(`quarantine/${job.id}/`)
    assert.deepEqual(keys.sort(), images.map((i) => `quarantine/${job.id}/${i.id}`).sort())
    assert.equal((await auditRows(api, { action: 'job.created', targetId: job.id })).length, 1)
    assert.equal((await auditRows(api, { action: 'file.uploaded', actorId: customer.id })).length, 2)
  })

  test('wrong magic bytes behind a .jpg name: 415', async () => {
    await refused(415, 'UNSUPPORTED_MEDIA_TYPE', [title, await image('photo.jpg', Buffer.from('GIF89a'.padEnd(5000, 'x')))])
    await refused(415, 'UNSUPPORTED_MEDIA_TYPE', [title, await image('photo.jpg', Buffer.from('<html><body>hello</body></html>'.padEnd(5000, ' ')))])
  })

  test('the extension must agree with the content: 415', async () => {
    await refused(415, 'UNSUPPORTED_MEDIA_TYPE', [title, await image('photo.jpg', await png())])
    await refused(415, 'UNSUPPORTED_MEDIA_TYPE', [title, await image('photo', await jpeg())])
    await refused(415, 'UNSUPPORTED_MEDIA_TYPE', [title, await image('photo.jpg.exe', await jpeg())])
  })

  test('SVG is refused, whatever it is called or declared as', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>')
    await refused(415, 'UNSUPPORTED_MEDIA_TYPE', [title, { name: 'images', filename: 'x.svg', content: svg, contentType: 'image/svg+xml' }])
    await refused(415, 'UNSUPPORTED_MEDIA_TYPE', [title, { name: 'images', filename: 'x.png', content: svg, contentType: 'image/png' }])
  })

  test('a JPEG/HTML polyglot is accepted by content and quarantined for re-encoding', async () => {
    const polyglot = Buffer.concat([await jpeg(), Buffer.from('<html><script>alert(document.cookie)</script></html>')])
    const res = await upload([title, await image('poly.jpg', polyglot)])
    assert.equal(res.statusCode, 202, res.body)
    const keys = await api.store.listKeys(`quarantine/${res.json().job.id}/`)
    assert.equal(keys.length, 1)
  })

  test('10 MiB + 1 byte: 413, and the partial object is removed', async () => {
    const head = await jpeg()
    const oversized = Buffer.concat([head, Buffer.alloc(10 * MiB + 1 - head.length, 0x20)])
    await refused(413, 'PAYLOAD_TOO_LARGE', [title, await image('big.jpg', oversized)])
    const exact = Buffer.concat([head, Buffer.alloc(10 * MiB - head.length, 0x20)])
    assert.equal((await upload([title, await image('max.jpg', exact)])).statusCode, 202)
  })

  test('51 files: 413, and the 50 already stored are removed', async () => {
    const one = await jpeg(8, 8)
    const files = Array.from({ length: 51 }, (_, i) => ({ name: 'images', filename: `f${i}.jpg`, content: one }))
    await refused(413, 'PAYLOAD_TOO_LARGE', [title, ...files])
  })

  test('zero-byte, truncated and missing files are refused', async () => {
    await refused(400, 'VALIDATION_FAILED', [title, await image('empty.jpg', Buffer.alloc(0))])
    // SOI and APP0 only: the header ends before the frame that carries the dimensions.
    await refused(415, 'UNSUPPORTED_MEDIA_TYPE', [title, await image('cut.jpg', (await jpeg()).subarray(0, 20))])
    await refused(400, 'VALIDATION_FAILED', [title])
  })

  test('a part without a name, or a file part without a filename, is a 400, not a 500 (fuzzing finding)', async () => {
    // busboy yields fieldname undefined for a Content-Disposition without name, and an
    // application/octet-stream part without filename as a file whose filename is undefined.
    const image = await jpeg()
    const titled: [string, string] = ['Content-Disposition: form-data; name="title"', 'Vase']
    for (const parts of [
      [['Content-Disposition: form-data', 'Vase']],
      [titled, ['Content-Disposition: form-data; filename="a.jpg"\r\nContent-Type: image/jpeg', image]],
      [titled, ['Content-Disposition: form-data; name="images"\r\nContent-Type: application/octet-stream', image]],
    ] as [string, string | Buffer][][]) {
      const before = await quarantine()
      const body = rawMultipart(parts)
      const res = await api.app.inject({ method: 'POST', url: '/jobs/create', headers: { ...api.customer().auth, ...body.headers }, payload: body.payload })
      assert.equal(res.statusCode, 400, res.body)
      assert.equal(res.json().error.code, 'VALIDATION_FAILED')
      assert.deepEqual(await quarantine(), before)
    }
  })

  test('a pixel flood (30000×30000 PNG) is refused before anything is decoded', async () => {
    const res = await refused(415, 'UNSUPPORTED_MEDIA_TYPE', [title, { name: 'images', filename: 'bomb.png', content: pngBomb(30_000, 30_000) }])
    assert.match(res.json().error.message, /megapixels/)
  })

  test('hostile filenames never choose the storage key and are stored sanitised', async () => {
    const customer = api.customer()
    const res = await upload([title, await image('../../x.jpg'), await image('..\\..\\evil\u0000\u202e.jpg')], customer.auth)
    assert.equal(res.statusCode, 202, res.body)
    const jobId = res.json().job.id
    const images = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.scanImage.findMany({ where: { jobId } }))
    assert.deepEqual(images.map((i) => i.originalFilename).sort(), ['evil.jpg', 'x.jpg'])
    for (const i of images) assert.match(i.quarantineKey, new RegExp(`^quarantine/${jobId}/[0-9a-f-]{36}$`))
  })

  test('form fields are validated: title required and bounded, unknown fields refused', async () => {
    await refused(400, 'VALIDATION_FAILED', [await image()])
    await refused(400, 'VALIDATION_FAILED', [{ name: 'title', value: 'x'.repeat(121) }, await image()])
    await refused(400, 'VALIDATION_FAILED', [title, { name: 'status', value: 'stored' }, await image()])
    await refused(400, 'VALIDATION_FAILED', [title, { name: 'customerId', value: 'cus_someone_else' }, await image()])
    await refused(400, 'VALIDATION_FAILED', [title, { name: 'notes', value: 'n'.repeat(2001) }, await image()])
    await refused(400, 'VALIDATION_FAILED', [title, { name: 'photos', filename: 'a.jpg', content: await jpeg() }])
  })

  test('staff cannot upload scans on behalf of customers', async () => {
    const admin = await api.staff('admin')
    const res = await upload([title, await image()], admin.auth)
    assert.equal(res.statusCode, 403)
  })
})
