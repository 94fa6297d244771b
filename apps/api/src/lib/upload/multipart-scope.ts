import multipart from '@fastify/multipart'
import { AppError } from '@printforge/errors'
import type { FastifyInstance } from 'fastify'

/**
 * Makes the calling plugin's scope an upload scope: multipart parsing is registered here only
 * (every other route refuses a multipart body with 415 — a CORS "simple" content type), a body of
 * another type is refused with 415 after authentication, and a refused upload is answered at once
 * with `Connection: close` rather than by reading (and discarding) the rest of what the client sends.
 */
export async function uploadScope(app: FastifyInstance, limits: Record<string, number> = {}): Promise<void> {
  await app.register(multipart, { limits, throwFileSizeLimit: true })
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data.')
  })
  app.addHook('onError', async (_request, reply) => {
    reply.header('connection', 'close')
  })
}
