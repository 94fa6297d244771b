import { randomUUID } from 'node:crypto'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError } from '@printforge/errors'
import { auditFields } from '../../../lib/audit.js'
import { clientKey } from '../../../lib/client-key.js'
import { ingestScanUpload, UPLOAD_LIMITS } from '../../../lib/upload/ingest.js'
import { acquireUploadSlot } from '../../../lib/upload-slots.js'
import { commonErrors, ErrorBody } from '../../../schemas/common.js'
import { CreatedJob } from '../../../schemas/jobs.js'
import { parseIdempotencyKey } from '../../../services/idempotency.js'

/**
 * POST /jobs/create (docs/product.md §4.2): multipart, validated while it streams. Multipart parsing is
 * registered in this scope only; every other route refuses multipart bodies with 415.
 */
const createJob: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(multipart, { limits: UPLOAD_LIMITS, throwFileSizeLimit: true })

  app.post('/create', {
    config: { roles: ['customer'], rateLimit: { max: 10, timeWindow: 60_000 } },
    schema: {
      operationId: 'createJob',
      consumes: ['multipart/form-data'],
      response: { 202: CreatedJob, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, ...commonErrors },
    },
  }, async (request, reply) => {
    const p = request.principal!
    if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data.')
    // Known down: refuse before reading a byte rather than stream into a failure.
    if (!app.store.health.up) throw new AppError('UNAVAILABLE', 'File storage is unavailable; retry shortly.')
    const key = parseIdempotencyKey(request.headers['idempotency-key'])
    const release = await acquireUploadSlot(app.redis.fast, clientKey(request))
    const jobId = randomUUID()
    let begun = false
    try {
      // Refuses before reading a byte of the body when the quota is already spent, and records
      // the upload's intent so its objects cannot outlive a crash of this process.
      await app.services.scanUploads.begin(p, jobId)
      begun = true
      // A retry of a request we already answered is validated and hashed, not stored again.
      const replaying = key ? await app.services.idempotency.hasKey(p, key) : false
      const upload = await ingestScanUpload(request, app.store, jobId, { storeObjects: !replaying })
      const { created, response } = await app.services.scanUploads.create(p, jobId, upload, key, auditFields(request))
      if (created) await app.queues.enqueueAfterCommit('scan.ingest', { scanJobId: jobId }, jobId)
      else await app.services.scanUploads.abandon(jobId)
      return reply.code(response.statusCode).send(response.body as never)
    } catch (err) {
      if (begun) await app.services.scanUploads.abandon(jobId).catch((e: unknown) => request.log.warn({ err: e, jobId }, 'refused upload: clean-up left to the worker'))
      // The client may still be sending: answer now and drop the connection rather than read
      // (and discard) the rest of a refused body.
      reply.header('connection', 'close')
      throw err
    } finally {
      await release()
    }
  })
}

export default createJob
