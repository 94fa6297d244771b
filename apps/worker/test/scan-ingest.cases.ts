// scan.ingest end to end (real PostgreSQL, Redis, S3), once per SCAN_SANITIZE mode: both keep the
// same guarantees (metadata gone, quarantine emptied, audit rows); scan-ingest.test.ts runs the
// default (lossless), scan-ingest-reencode.test.ts the fallback.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import type { WorkerConfig } from '@printforge/config'
import pg from 'pg'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { enqueue } from '@printforge/jobs'
import { quarantineKey, scanKey } from '@printforge/storage'
import sharp from 'sharp'
import { createScanIngest } from '../src/handlers/scan-ingest.ts'
import { multipart, startApi } from './api-client.ts'
import { assertAuditVerifies, createScanJob, scanJob, silent, useWorker, useWorkerEnv, waitFor } from './helper.ts'
import { gpsJpeg, hasGpsTag, pngBomb, truncatedJpeg } from './images.ts'
import { cameraJpeg, PLANTED, polyglotTrailer } from './sanitize-images.ts'

const ctx = { jobId: 't', attempt: 1, finalAttempt: false, signal: new AbortController().signal, log: silent }

/** `overrides` empty: the worker's defaults, as deployed. */
export function scanIngestCases(overrides: Partial<WorkerConfig>): void {
  const env = useWorkerEnv(overrides)
  useWorker(env, { printers: false })
  const mode = () => env.config.SCAN_SANITIZE

  async function readObject(key: string): Promise<Buffer> {
    const chunks: Buffer[] = []
    for await (const c of await env.store.getStream(key)) chunks.push(c as Buffer)
    return Buffer.concat(chunks)
  }

  test('a scan of JPEGs with EXIF GPS, uploaded through the API, ends stored without any metadata', async () => {
    const api = await startApi(env)
    const images = [await gpsJpeg(), await gpsJpeg(80, 60)]
    for (const image of images) assert.ok(hasGpsTag((await sharp(image).metadata()).exif as Buffer), 'fixture must carry GPS')
    const body = multipart([{ name: 'title', value: 'gps scan' }, ...images.map((content, i) => ({ name: 'images', filename: `p${i}.jpg`, content, contentType: 'image/jpeg' }))])
    const res = await api.app.inject({ method: 'POST', url: '/jobs/create', headers: { authorization: `Bearer ${api.token('cus_gps')}`, ...body.headers }, payload: body.payload })
    assert.equal(res.statusCode, 202, res.body)
    const jobId = (res.json() as { job: { id: string } }).job.id

    const job = await waitFor('scan stored', async () => {
      const j = await scanJob(env, jobId)
      return j.status === 'stored' ? j : null
    })
    assert.ok(job.finishedAt)
    assert.equal(job.failureReason, null)
    for (const image of job.images) {
      assert.equal(image.status, 'stored')
      assert.equal(image.storageKey, scanKey('cus_gps', jobId, image.id, 'jpg'))
      const stored = await readObject(image.storageKey as string)
      const meta = await sharp(stored).metadata()
      assert.equal(meta.format, 'jpeg')
      assert.equal(meta.exif, undefined, 'EXIF must be stripped')
      assert.equal(meta.xmp, undefined)
      assert.ok(!stored.includes(Buffer.from('Exif\0\0')), 'no APP1 Exif segment')
      // The row describes the stored bytes, not the upload.
      assert.equal(image.bytes, stored.length)
      assert.equal(image.sha256, createHash('sha256').update(stored).digest('hex'))
    }
    assert.deepEqual(await env.store.listKeys(`quarantine/${jobId}/`), [])
    const audit = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { action: 'scan.stored' } }))
    assert.ok(audit.some((a) => a.targetId === jobId && a.actorType === 'system'))
    assert.equal(audit.filter((a) => a.targetType === 'scan_image').length, 2)
    await assertAuditVerifies(env.db)
  })

  test('a pixel flood and a corrupt image fail alone, with reasons; the good image is stored', async () => {
    const good = await gpsJpeg()
    const { jobId, imageIds } = await createScanJob(env, [good, pngBomb(10_000, 10_000), await truncatedJpeg()])
    await enqueue(env.queues, 'scan.ingest', { scanJobId: jobId }, jobId)
    const job = await waitFor('scan finished', async () => {
      const j = await scanJob(env, jobId)
      return j.status === 'stored' || j.status === 'failed' ? j : null
    })
    assert.equal(job.status, 'stored')
    const byId = new Map(job.images.map((i) => [i.id, i]))
    assert.equal(byId.get(imageIds[0] as string)?.status, 'stored')
    assert.equal(byId.get(imageIds[1] as string)?.status, 'failed')
    assert.match(byId.get(imageIds[1] as string)?.failureReason ?? '', /pixel limit/)
    assert.equal(byId.get(imageIds[2] as string)?.status, 'failed')
    assert.match(byId.get(imageIds[2] as string)?.failureReason ?? '', /could not be decoded/)
    assert.match(job.failureReason ?? '', /^2 of 3 images failed/)
    assert.deepEqual(await env.store.listKeys(`quarantine/${jobId}/`), [], 'bad bytes are not kept in quarantine either')
    const failures = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.count({ where: { action: 'scan.failed', targetType: 'scan_image' } }))
    assert.ok(failures >= 2)
  })

  test('a job whose every image is bad ends failed', async () => {
    const { jobId } = await createScanJob(env, [await truncatedJpeg()])
    await enqueue(env.queues, 'scan.ingest', { scanJobId: jobId }, jobId)
    const job = await waitFor('scan failed', async () => {
      const j = await scanJob(env, jobId)
      return j.status === 'failed' ? j : null
    })
    assert.match(job.failureReason ?? '', /1 of 1 images failed/)
    assert.ok(job.finishedAt)
  })

  test('re-running a half-done job finishes it without duplicate objects, rows or audit rows', async () => {
    const handler = createScanIngest({ db: env.db, store: env.store, log: silent, sanitize: mode() })
    const images = [await gpsJpeg(), await gpsJpeg(70, 50), await gpsJpeg(90, 40)]
    const { jobId, imageIds, customerId } = await createScanJob(env, images)
    // Half done: the first image was processed by an attempt that died before deleting its
    // quarantine object; the job is `processing`.
    await handler({ scanJobId: jobId }, ctx)
    const done = await scanJob(env, jobId)
    assert.equal(done.status, 'stored')
    await withTx(env.db, SYSTEM_CONTEXT, async (tx) => {
      await tx.scanJob.update({ where: { id: jobId }, data: { status: 'processing', finishedAt: null } })
      await tx.scanImage.updateMany({ where: { id: { in: imageIds.slice(1) } }, data: { status: 'quarantined', storageKey: null } })
    })
    for (const [i, id] of imageIds.entries()) {
      await env.store.putStream(quarantineKey(jobId, id), Readable.from([images[i] as Buffer]), 'image/jpeg')
    }
    const auditBefore = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.count({ where: { action: 'scan.stored', targetId: imageIds[0] } }))
    await handler({ scanJobId: jobId }, ctx)
    await handler({ scanJobId: jobId }, ctx) // and once more, finished
    const job = await scanJob(env, jobId)
    assert.equal(job.status, 'stored')
    assert.equal(job.images.filter((i) => i.status === 'stored').length, 3)
    assert.equal((await env.store.listKeys(`scans/${customerId}/${jobId}/`)).length, 3, 'one object per image')
    assert.deepEqual(await env.store.listKeys(`quarantine/${jobId}/`), [])
    const auditAfter = await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.count({ where: { action: 'scan.stored', targetId: imageIds[0] } }))
    assert.equal(auditAfter, auditBefore, 'the already stored image is not audited twice')
    await assertAuditVerifies(env.db)
  })

  test('a cancelled job is not processed, and the worker removes the uploads it left (review finding 5)', async () => {
    const handler = createScanIngest({ db: env.db, store: env.store, log: silent, sanitize: mode() })
    const { jobId } = await createScanJob(env, [await gpsJpeg(), await gpsJpeg()])
    // Cancelled the way an older API did: status only, uploads left behind.
    await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.update({ where: { id: jobId }, data: { status: 'cancelled' } }))
    await handler({ scanJobId: jobId }, ctx)
    const job = await scanJob(env, jobId)
    assert.equal(job.status, 'cancelled')
    assert.deepEqual(job.images, [])
    assert.deepEqual(await env.store.listKeys(`quarantine/${jobId}/`), [])
    assert.deepEqual(await env.store.listKeys(`scans/`).then((keys) => keys.filter((k) => k.includes(jobId))), [])
  })

  test('an image another attempt on the same job finished meanwhile is skipped, and this attempt still finishes the job', async () => {
    // After Redis loses a running job, the sweep re-enqueues it while the first attempt may still be
    // writing: the second attempt then waits on an image the first one holds and finds it done.
    const handler = createScanIngest({ db: env.db, store: env.store, log: silent, sanitize: mode() })
    const { jobId, imageIds } = await createScanJob(env, [await gpsJpeg(), await gpsJpeg(), await gpsJpeg()])
    await withTx(env.db, SYSTEM_CONTEXT, (tx) => tx.scanJob.update({ where: { id: jobId }, data: { status: 'processing' } }))
    const first = new pg.Client({ connectionString: env.database.appUrl })
    await first.connect()
    try {
      await first.query('BEGIN')
      await first.query("SELECT set_config('app.actor_id', 'system', true), set_config('app.role', 'system', true)")
      await first.query('SELECT id FROM scan_images WHERE id = $1 FOR UPDATE', [imageIds[0]])
      const second = handler({ scanJobId: jobId }, ctx)
      await new Promise((r) => setTimeout(r, 500))
      await first.query("UPDATE scan_images SET status = 'failed', failure_reason = 'done by the first attempt' WHERE id = $1", [imageIds[0]])
      await first.query('COMMIT')
      await second
    } finally {
      await first.end()
    }
    const job = await scanJob(env, jobId)
    assert.equal(job.status, 'stored')
    assert.deepEqual(job.images.map((i) => i.status).sort(), ['failed', 'stored', 'stored'])
  })

  test(`a camera photo (EXIF with GPS and thumbnail, XMP, ICC, comment, orientation 6) is stored without metadata (${overrides.SCAN_SANITIZE ?? 'default: lossless'})`, async () => {
    const photo = await cameraJpeg(6)
    const { jobId, imageIds } = await createScanJob(env, [Buffer.concat([photo, polyglotTrailer()])])
    await enqueue(env.queues, 'scan.ingest', { scanJobId: jobId }, jobId)
    const job = await waitFor('scan stored', async () => {
      const j = await scanJob(env, jobId)
      return j.status === 'stored' || j.status === 'failed' ? j : null
    })
    assert.equal(job.status, 'stored', job.failureReason ?? '')
    const image = job.images.find((i) => i.id === imageIds[0])
    const stored = await readObject(image?.storageKey as string)
    const meta = await sharp(stored).metadata()
    assert.equal(meta.icc, undefined)
    assert.equal(meta.xmp, undefined)
    for (const text of Object.values(PLANTED)) assert.ok(!stored.includes(Buffer.from(text)), `no planted ${text}`)
    if (mode() === 'lossless') {
      // The camera's compressed image, byte for byte: same pixels, same orientation, nothing else.
      assert.deepEqual(await sharp(stored).raw().toBuffer(), await sharp(photo, { ignoreIcc: true }).raw().toBuffer(), 'pixel-identical')
      const sos = stored.indexOf(Buffer.from([0xff, 0xda]))
      assert.ok(photo.includes(stored.subarray(sos, -2)), 'the scan data is the upload\'s')
      assert.equal(meta.orientation, 6)
      assert.equal(meta.exif?.length, 32, 'EXIF is the rebuilt Orientation block only')
      assert.deepEqual([image?.width, image?.height], [64, 40])
    } else {
      // Re-encoded: the orientation is applied to the pixels and no EXIF is written at all.
      assert.equal(meta.exif, undefined)
      assert.deepEqual([image?.width, image?.height], [40, 64])
    }
    assert.deepEqual(await env.store.listKeys(`quarantine/${jobId}/`), [])
  })
}
