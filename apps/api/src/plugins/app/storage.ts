import { createObjectStore, createS3Client, watchStorage, type WatchedStore } from '@printforge/storage'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    store: WatchedStore
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
    const store = watchStorage(createObjectStore(client, config.S3_BUCKET), {
      onChange: (up, cause) =>
        up
          ? app.log.info({ alert: 'storage_recovered' }, 'object storage answering again')
          : app.log.error({ alert: 'storage_unavailable', reason: (cause as Error | undefined)?.message }, 'object storage unreachable: uploads answer 503 until it recovers'),
    })
    app.decorate('store', store)
    app.addHook('onClose', async () => {
      store.health.close()
      client.destroy()
    })
  },
  { name: 'storage', dependencies: ['config'] },
)
