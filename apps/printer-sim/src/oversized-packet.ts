// A hostile broker's oversized packet, for the client's packet-size bound: a PUBLISH whose fixed
// header declares `declaredBytes`, followed by filler written with backpressure, so what the
// socket accepts tracks what the client actually reads.
import { once } from 'node:events'
import { type Duplex } from 'node:stream'

export interface OversizedPacketResult {
  /** Bytes the socket took before the client closed the connection or we stopped. */
  accepted: number
  /** True when the client closed the connection before `sendBytes` were written. */
  closedByClient: boolean
}

/** MQTT "remaining length": 7 bits per byte, least significant first, at most 4 bytes. */
export function remainingLength(n: number): Buffer {
  const bytes: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    bytes.push(byte)
  } while (n > 0)
  return Buffer.from(bytes)
}

export async function sendOversizedPublish(socket: Duplex, topic: string, declaredBytes: number, sendBytes: number): Promise<OversizedPacketResult> {
  const topicBytes = Buffer.from(topic)
  const topicLength = Buffer.alloc(2)
  topicLength.writeUInt16BE(topicBytes.length)
  const header = Buffer.concat([Buffer.from([0x30]), remainingLength(declaredBytes), topicLength, topicBytes])
  const filler = Buffer.alloc(64 * 1024, 0x20)
  let closed = socket.destroyed
  const onClose = () => (closed = true)
  socket.once('close', onClose)
  let accepted = 0
  try {
    let chunk: Buffer = header
    while (!closed && accepted < sendBytes) {
      const part = chunk.subarray(0, sendBytes - accepted)
      const flowing = socket.write(part, () => {})
      accepted += part.length
      chunk = filler
      if (!flowing) await Promise.race([once(socket, 'drain'), once(socket, 'close')])
    }
  } catch {
    closed = true // the write side failed: the client is gone
  } finally {
    socket.off('close', onClose)
  }
  return { accepted, closedByClient: closed }
}
