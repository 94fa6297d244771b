import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import S3rver from 's3rver'

export interface S3Options {
  port: number
  dir: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
}

export interface RunningS3 {
  endpoint: string
  stop(): Promise<void>
}

interface S3rverAccount {
  createKeyPair(id: string, secret: string): void
  revokeAccessKey(id: string): void
}

/**
 * Serves the S3 API on 127.0.0.1 from `s3rver`. It ships a hard-coded `S3RVER` key pair; we
 * revoke it and register the generated one, so no default credential ever works locally.
 * (s3rver checks only the key id of SigV4 requests, not the signature: a test server, not R2.)
 */
export async function startS3(options: S3Options): Promise<RunningS3> {
  await mkdir(options.dir, { recursive: true })
  const account = createRequire(import.meta.url)('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: S3rverAccount }
  account.DUMMY_ACCOUNT.revokeAccessKey('S3RVER')
  account.DUMMY_ACCOUNT.createKeyPair(options.accessKeyId, options.secretAccessKey)
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.dir,
    silent: true,
    configureBuckets: [{ name: options.bucket, configs: [] }],
  })
  await server.run()
  return { endpoint: `http://127.0.0.1:${options.port}`, stop: () => server.close() }
}
