// MinIO's contract on s3rver: `server /data`, MINIO_ROOT_USER and MINIO_ROOT_PASSWORD (or their
// _FILE forms: a name under /run/secrets, or a path) as the only key pair (s3rver's built-in
// S3RVER pair is revoked), MINIO_BUCKET created at start, port 9000.
import { readFileSync } from 'node:fs'
const fromEnv = (name) => {
  const file = process.env[`${name}_FILE`]
  if (!file) return process.env[name]
  return readFileSync(file.includes('/') ? file : `/run/secrets/${file}`, 'utf8').trim()
}
import { createRequire } from 'node:module'
const require = createRequire('/s3/')
const S3rver = require('s3rver')
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account.js')
const user = fromEnv('MINIO_ROOT_USER')
const password = fromEnv('MINIO_ROOT_PASSWORD')
if (!user || !password) {
  console.error('MINIO_ROOT_USER and MINIO_ROOT_PASSWORD(_FILE) are required')
  process.exit(1)
}
DUMMY_ACCOUNT.revokeAccessKey('S3RVER')
DUMMY_ACCOUNT.createKeyPair(user, password)
const bucket = process.env.MINIO_BUCKET
const server = new S3rver({ address: '0.0.0.0', port: 9000, directory: process.argv[3] ?? '/data', silent: true, vhostBuckets: false, configureBuckets: bucket ? [{ name: bucket, configs: [] }] : [] })
await server.run()
console.log(`s3 stand-in on :9000${bucket ? `, bucket ${bucket}` : ''}`)
const stop = () => server.close().then(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
