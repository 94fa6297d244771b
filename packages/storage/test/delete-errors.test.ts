// DeleteObjects answers 200 with per-key <Error> entries when storage refuses some keys (R2 and S3
// do this, e.g. AccessDenied under a bucket policy). s3rver never does, so this server speaks the
// same protocol and refuses one key: the real S3 client parses the real XML.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { createObjectStore, createS3Client, ObjectsNotDeleted, type ObjectStore } from '../src/index.ts'

let server: http.Server
let store: ObjectStore

before(async () => {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const keys = [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1])
      const errors = keys
        .filter((k) => k !== 'ok/1')
        .map((k) => `<Error><Key>${k}</Key><Code>${k === 'gone/1' ? 'NoSuchKey' : 'AccessDenied'}</Code><Message>no</Message></Error>`)
      res.writeHead(200, { 'content-type': 'application/xml' })
      res.end(`<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${errors.join('')}</DeleteResult>`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const client = createS3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'auto', bucket: 'b', accessKeyId: 'test-access-key', secretAccessKey: 'test-secret-key-that-is-long-enough' })
  store = createObjectStore(client, 'b')
})
after(() => server.close())

test('deleteKeys throws when storage refuses some keys, naming how many and why', async () => {
  await assert.rejects(store.deleteKeys(['ok/1', 'denied/1', 'denied/2']), (err) => {
    assert.ok(err instanceof ObjectsNotDeleted)
    assert.deepEqual(err.failures.map((f) => f.key), ['denied/1', 'denied/2'])
    assert.match(err.message, /2 object\(s\): AccessDenied/)
    return true
  })
})

test('a key that is already gone counts as deleted', async () => {
  await store.deleteKeys(['ok/1', 'gone/1'])
})
