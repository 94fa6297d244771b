// The packet-size guard reads MQTT framing only: packets up to the limit pass however the bytes
// are chunked, and the first one declaring more is caught from its header alone.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { generate } from 'mqtt-packet'
import { MALFORMED_LENGTH, PacketSizeGuard } from '../src/packet-guard.ts'

const publish = (payloadBytes: number) =>
  generate({ cmd: 'publish', topic: 'device/01P00A000000001/report', payload: Buffer.alloc(payloadBytes, 0x61), qos: 0, dup: false, retain: false })
/** Bytes of the varint that encodes a remaining length. */
const varintBytes = (n: number) => (n > 2_097_151 ? 4 : n > 16_383 ? 3 : n > 127 ? 2 : 1)
/**
 * Remaining length of a generated packet: its size minus the type byte and the varint. The varint's
 * own size depends on the remaining length, not on the packet's (near 16,383 they differ), so the
 * one consistent split is searched for.
 */
function remaining(packet: Buffer): number {
  for (let v = 1; v <= 4; v++) if (varintBytes(packet.length - 1 - v) === v) return packet.length - 1 - v
  throw new Error(`no consistent remaining length for a ${packet.length}-byte packet`)
}

/** Feeds `bytes` in pieces cut at `cuts` (fractions of the length). */
function feedInPieces(guard: PacketSizeGuard, bytes: Buffer, cuts: number[]): number | null {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b)
  let from = 0
  for (const to of [...points, bytes.length]) {
    const result = guard.feed(bytes.subarray(from, to))
    if (result !== null) return result
    from = to
  }
  return null
}

describe('PacketSizeGuard', () => {
  test('a packet of exactly the limit passes; one byte more is caught, even split byte by byte', () => {
    const packet = publish(300)
    const size = remaining(packet)
    assert.equal(new PacketSizeGuard(size).feed(packet), null)
    assert.equal(new PacketSizeGuard(size - 1).feed(packet), size)
    const guard = new PacketSizeGuard(size - 1)
    const results = [...packet].map((b) => guard.feed(Buffer.from([b]))).filter((r) => r !== null)
    assert.equal(results[0], size)
  })

  test('a 100 MB announcement is caught from its header, before any payload', () => {
    // 0x30 PUBLISH, remaining length 104_857_600 as a 4-byte varint.
    const header = Buffer.from([0x30, 0x80, 0x80, 0x80, 0x32])
    assert.equal(new PacketSizeGuard(1024 * 1024).feed(header), 104_857_600)
    // Caught as soon as the partial varint exceeds the limit.
    const partial = new PacketSizeGuard(100).feed(Buffer.from([0x30, 0xff]))
    assert.ok(partial !== null && partial > 100, String(partial))
  })

  test('a remaining-length varint longer than four bytes is malformed', () => {
    assert.equal(new PacketSizeGuard(Number.MAX_SAFE_INTEGER).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), MALFORMED_LENGTH)
  })

  test('the remaining length is read right at the varint boundaries (16,383 | 16,384)', () => {
    for (const payload of [16_319, 16_320, 16_351, 16_352, 16_353]) {
      const packet = publish(payload)
      assert.equal(new PacketSizeGuard(remaining(packet)).feed(packet), null, `payload ${payload}`)
      assert.equal(new PacketSizeGuard(remaining(packet) - 1).feed(packet), remaining(packet), `payload ${payload}`)
    }
  })

  test('property: real packets up to the limit, chunked anyhow, pass; the first larger one is caught with its size', () => {
    const sizes = fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 8 })
    fc.assert(
      fc.property(sizes, fc.integer({ min: 1, max: 50_000 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (payloads, over, cuts) => {
        const packets = payloads.map(publish)
        const limit = Math.max(...packets.map(remaining))
        const stream = Buffer.concat([...packets, generate({ cmd: 'pingresp' })])
        assert.equal(feedInPieces(new PacketSizeGuard(limit), stream, cuts), null)
        const big = publish(limit + over)
        const result = feedInPieces(new PacketSizeGuard(limit), Buffer.concat([stream, big, publish(1)]), cuts)
        assert.ok(result !== null && result > limit && result <= remaining(big), `caught ${result}, limit ${limit}`)
      }),
      { numRuns: 300 },
    )
  })
})
