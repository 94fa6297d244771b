// The object store against the real S3 test server.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { before, test } from 'node:test'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { testEnvironment } from '@printforge/devstack'
import { createObjectStore, createS3Client, type ObjectStore } from '../src/index.ts'

let store: ObjectStore
const signedHashes: string[] = []

before(async () => {
  const env = testEnvironment()
  const bucket = `pfs-${randomBytes(5).toString('hex')}`
  const client = createS3Client({ endpoint: env.s3.endpoint, region: 'auto', bucket, accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey })
  // Records the payload hash of every PUT as it leaves, after signing.
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method?: string; headers?: Record<string, string> }
      const hash = request.headers?.['x-amz-content-sha256']
      if (request.method === 'PUT' && hash) signedHashes.push(hash)
      return next(args)
    },
    { step: 'finalizeRequest', priority: 'low', name: 'recordPayloadHash' },
  )
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  store = createObjectStore(client, bucket)
})

async function read(key: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await store.getStream(key)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

test('putBuffer stores the bytes and signs with the hash the caller computed', async () => {
  const data = randomBytes(300_000)
  const sha256 = createHash('sha256').update(data).digest('hex')
  signedHashes.length = 0
  await store.putBuffer('scans/a.jpg', data, 'image/jpeg', sha256)
  assert.deepEqual(await read('scans/a.jpg'), data)
  assert.deepEqual(signedHashes, [sha256], 'the SigV4 payload hash is the caller’s')
  // Proof the SDK did not hash the body itself: a hash of other bytes is sent as given (S3 and R2
  // would refuse that PUT; s3rver does not check).
  signedHashes.length = 0
  const other = createHash('sha256').update('other bytes').digest('hex')
  await store.putBuffer('scans/c.jpg', data, 'image/jpeg', other)
  assert.deepEqual(signedHashes, [other])
})

test('putBuffer refuses a malformed hash before sending anything', async () => {
  signedHashes.length = 0
  for (const bad of ['', 'UNSIGNED-PAYLOAD', 'ab'.repeat(31), 'AB'.repeat(32), `${'0'.repeat(63)}g`]) {
    await assert.rejects(store.putBuffer('scans/b.jpg', Buffer.from('x'), 'image/jpeg', bad), TypeError)
  }
  assert.deepEqual(signedHashes, [])
})

test('copy duplicates an object on the server; the source stays', async () => {
  const data = randomBytes(200_000)
  await store.putBuffer('models/src-file/model.gcode.3mf', data, 'model/3mf', createHash('sha256').update(data).digest('hex'))
  await store.copy('models/src-file/model.gcode.3mf', 'models/copy-job/model.gcode.3mf')
  assert.deepEqual(await read('models/copy-job/model.gcode.3mf'), data)
  assert.deepEqual(await read('models/src-file/model.gcode.3mf'), data)
  await assert.rejects(store.copy('models/missing/model.gcode.3mf', 'models/copy-2/model.gcode.3mf'))
})

test('listKeys follows the continuation token past one page (1,000 keys); deleteKeys batches by 1,000', async () => {
  const data = Buffer.from('x')
  const sha256 = createHash('sha256').update(data).digest('hex')
  const keys = Array.from({ length: 1_005 }, (_, i) => `quarantine/many/${String(i).padStart(4, '0')}`)
  // Ten at a time: quick, and gentle with the test server.
  for (let i = 0; i < keys.length; i += 10) await Promise.all(keys.slice(i, i + 10).map((key) => store.putBuffer(key, data, 'image/jpeg', sha256)))
  assert.deepEqual((await store.listKeys('quarantine/many/')).sort(), keys)
  await store.deleteKeys(keys)
  assert.deepEqual(await store.listKeys('quarantine/many/'), [])
})
