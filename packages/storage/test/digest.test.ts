import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { test } from 'node:test'
import { digestTap } from '../src/index.ts'

test('digestTap passes bytes through unchanged and reports their count and SHA-256', async () => {
  const chunks = [randomBytes(70_000), randomBytes(1), randomBytes(65_536)]
  const out: Buffer[] = []
  const tap = digestTap()
  await pipeline(Readable.from(chunks), tap.stream, new Writable({ write: (c: Buffer, _e, done) => (out.push(c), done()) }))
  const all = Buffer.concat(chunks)
  assert.deepEqual(Buffer.concat(out), all)
  assert.deepEqual(tap.result(), { bytes: all.length, sha256: createHash('sha256').update(all).digest('hex') })
})
