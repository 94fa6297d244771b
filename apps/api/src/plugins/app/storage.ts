import { createObjectStore, createS3Client, type ObjectStore } from '@printforge/storage'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    store: ObjectStore
  }
}

export default fp(
  async (app: FastifyInstance) => {
    const { config } = app
    const client = createS3Client({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      bucket: config.S3_BUCKET,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    })
    app.decorate('store', createObjectStore(client, config.S3_BUCKET))
    app.addHook('onClose', async () => client.destroy())
  },
  { name: 'storage', dependencies: ['config'] },
)
