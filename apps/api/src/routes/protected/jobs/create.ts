import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { parseIdempotencyKey } from '@printforge/domain'
import { auditFields } from '../../../lib/audit.js'
import { clientKey } from '../../../lib/client-key.js'
import { ingestScanUpload, UPLOAD_LIMITS } from '../../../lib/upload/ingest.js'
import { uploadScope } from '../../../lib/upload/multipart-scope.js'
import { commonErrors, ErrorBody } from '../../../schemas/common.js'
import { CreatedJob } from '../../../schemas/jobs.js'

/** POST /jobs/create (docs/product.md §4.2): multipart, validated while it streams. */
const createJob: FastifyPluginAsyncTypebox = async (app) => {
  await uploadScope(app, UPLOAD_LIMITS)

  app.post('/create', {
    config: { roles: ['customer'], rateLimit: { max: 10, timeWindow: 60_000 } },
    schema: {
      operationId: 'createJob',
      consumes: ['multipart/form-data'],
      response: { 202: CreatedJob, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, ...commonErrors },
    },
  }, async (request, reply) => {
    const { statusCode, body } = await app.services.scanUploads.submit(request.principal!, {
      key: parseIdempotencyKey(request.headers['idempotency-key']),
      slotKey: clientKey(request),
      read: (jobId, options) => app.metrics.observeUpload('scan_image', ingestScanUpload(request, app.store, jobId, options), (upload) => upload.images.map((image) => image.bytes)),
    }, auditFields(request))
    return reply.code(statusCode).send(body as never)
  })
}

export default createJob
