// Bounds incoming MQTT packets before anything buffers them. mqtt.js hands every chunk to
// mqtt-packet's parser, which keeps appending until a packet's declared length has arrived and has
// no size limit for MQTT 3.1.1 (`maximumPacketSize` is an MQTT 5 property that asks the broker to
// behave; a hostile one would not). So a printer, or whoever holds its broker, could announce a
// 100 MB PUBLISH and have us hold all of it. This reads only the fixed headers on the byte stream
// (type byte, then the "remaining length" varint) and stops the connection at the first packet
// that declares more than the limit, after at most the one chunk that carried its header.

/** Error code of a connection we dropped for an oversized packet. */
export const PACKET_TOO_LARGE = 'ERR_BAMBU_PACKET_TOO_LARGE'

/** A remaining-length varint that runs past 4 bytes: not MQTT, so not worth reading on. */
export const MALFORMED_LENGTH = -1

/** Incremental MQTT 3.1.1 framer that tracks packet boundaries and declared sizes only. */
export class PacketSizeGuard {
  private phase: 'type' | 'length' | 'body' = 'type'
  private length = 0
  private multiplier = 1
  private lengthBytes = 0
  private remaining = 0

  constructor(readonly maxBytes: number) {}

  /**
   * Advances over `chunk`. Returns null while every packet so far fits, else the declared size
   * that does not (a lower bound when the varint is still incomplete) or MALFORMED_LENGTH.
   */
  feed(chunk: Uint8Array): number | null {
    let i = 0
    while (i < chunk.length) {
      if (this.phase === 'body') {
        // Payload bytes are skipped arithmetically, never inspected.
        const n = Math.min(this.remaining, chunk.length - i)
        i += n
        this.remaining -= n
        if (this.remaining === 0) this.phase = 'type'
        continue
      }
      if (this.phase === 'type') {
        i++
        this.phase = 'length'
        this.length = 0
        this.multiplier = 1
        this.lengthBytes = 0
        continue
      }
      const byte = chunk[i++] ?? 0
      this.length += (byte & 0x7f) * this.multiplier
      this.multiplier *= 128
      this.lengthBytes++
      // Later varint bytes only add, so a partial sum over the limit already decides.
      if (this.length > this.maxBytes) return this.length
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return MALFORMED_LENGTH
        continue
      }
      this.remaining = this.length
      this.phase = this.remaining === 0 ? 'type' : 'body'
    }
    return null
  }
}

/** The part of a socket the guard needs (mqtt.js's `client.stream`). */
export interface GuardedStream {
  prependListener(event: 'data', listener: (chunk: Buffer) => void): unknown
  destroy(error?: Error): unknown
}

/**
 * Watches `stream` ahead of mqtt.js (prepended, so it sees each chunk first) and destroys it with
 * a PACKET_TOO_LARGE error at the first packet declaring more than `maxBytes`; `onViolation`
 * gets the declared size. The owner of the connection decides what follows (log, reconnect).
 */
export function guardPacketSize(stream: GuardedStream, maxBytes: number, onViolation: (declared: number) => void): void {
  const guard = new PacketSizeGuard(maxBytes)
  let tripped = false
  stream.prependListener('data', (chunk: Buffer) => {
    if (tripped) return
    const declared = guard.feed(chunk)
    if (declared === null) return
    tripped = true
    onViolation(declared)
    const what = declared === MALFORMED_LENGTH ? 'a malformed packet length' : `a packet of at least ${declared} bytes`
    stream.destroy(Object.assign(new Error(`printer sent ${what}; the limit is ${maxBytes}`), { code: PACKET_TOO_LARGE }))
  })
}
