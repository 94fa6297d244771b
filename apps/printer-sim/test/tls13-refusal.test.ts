// The ClientHello check in front of the P2S/X2D/H2C FTPS (docs/bambu-protocol.md §4.3) reads bytes
// from whoever connects: real hellos are classified by what they offer, and no byte string makes it
// throw or read past what it was given.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import tls from 'node:tls'
import { type AddressInfo } from 'node:net'
import fc from 'fast-check'
import { offersTls13 } from '../src/tls13-refusal.ts'

/** The first bytes Node's own TLS client sends when offering up to `maxVersion`. */
async function clientHello(maxVersion: tls.SecureVersion): Promise<Buffer> {
  const { createServer } = await import('node:net')
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.once('data', (chunk) => {
        resolve(chunk)
        socket.destroy()
        server.close()
      })
    })
    server.listen(0, '127.0.0.1', () => {
      const client = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'SERIAL', minVersion: 'TLSv1.2', maxVersion })
      client.on('error', () => {})
    })
    server.on('error', reject)
  })
}

test('real ClientHellos: one that offers TLS 1.3 is refused, a 1.2-only one is not; a cut-off one waits', async () => {
  const hello13 = await clientHello('TLSv1.3')
  const hello12 = await clientHello('TLSv1.2')
  assert.equal(offersTls13(hello13), true)
  assert.equal(offersTls13(hello12), false)
  assert.equal(offersTls13(hello12.subarray(0, 40)), null, 'an incomplete record needs more bytes')
  assert.equal(offersTls13(Buffer.from('USER bblp\r\n')), true, 'not TLS at all: refused too')
})

test('fuzz: any bytes give true, false or null, never an exception', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
    const v = offersTls13(Buffer.from(bytes))
    return v === true || v === false || v === null
  }), { numRuns: 5000 })
})

test('fuzz: a real 1.2 hello with any byte changed or cut still classifies without throwing', async () => {
  const hello = await clientHello('TLSv1.2')
  fc.assert(fc.property(fc.nat(hello.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(hello.length), (at, byte, cut) => {
    const copy = Buffer.from(hello)
    copy[at] = byte
    const v = offersTls13(copy.subarray(0, cut))
    return v === true || v === false || v === null
  }), { numRuns: 5000 })
})
