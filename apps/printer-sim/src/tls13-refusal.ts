// FTPS of the P2S, X2D and H2C breaks under TLS 1.3 (docs/bambu-protocol.md §4.3: an X2D fails the
// handshake on a 1.3 ClientHello, a P2S truncates uploads, an H2C fails now and then). The virtual
// printer reproduces the clear case: it reads the ClientHello before TLS starts and closes the
// connection when the client offers 1.3, so only a client that caps itself at 1.2 gets through.
import { type Socket } from 'node:net'
import { type Server as TlsServer } from 'node:tls'

const TLS13 = 0x0304
const SUPPORTED_VERSIONS = 0x002b
/** A ClientHello fits one TLS record; a record carries at most 2^14 bytes plus its 5-byte header. */
const MAX_HELLO = 5 + 16_384

/**
 * Whether the ClientHello at the start of `bytes` offers TLS 1.3 (a `supported_versions` extension
 * listing 0x0304): `null` while the record is incomplete; `true` also for bytes that are no
 * ClientHello at all, which the printer refuses as well. Reads untrusted bytes: every length is
 * checked against what is there.
 */
export function offersTls13(bytes: Buffer): boolean | null {
  if (bytes.length < 5) return null
  if (bytes[0] !== 0x16) return true // not a handshake record
  const recordEnd = 5 + bytes.readUInt16BE(3)
  if (recordEnd > MAX_HELLO) return true
  if (bytes.length < recordEnd) return null
  const hello = bytes.subarray(5, recordEnd)
  if (hello.length < 4 || hello[0] !== 0x01) return true // not a ClientHello
  const end = Math.min(hello.length, 4 + hello.readUIntBE(1, 3))
  let at = 4 + 2 + 32 // handshake header, legacy_version, random
  const skip = (lengthBytes: 1 | 2): boolean => {
    if (at + lengthBytes > end) return false
    at += lengthBytes + hello.readUIntBE(at, lengthBytes)
    return at <= end
  }
  // session id, cipher suites, compression methods; then the extensions block.
  if (!skip(1) || !skip(2) || !skip(1)) return true
  if (at + 2 > end) return false // no extensions: a TLS 1.2-only hello
  const extEnd = Math.min(end, at + 2 + hello.readUInt16BE(at))
  at += 2
  while (at + 4 <= extEnd) {
    const type = hello.readUInt16BE(at)
    const length = hello.readUInt16BE(at + 2)
    const body = at + 4
    if (body + length > extEnd) return true
    if (type === SUPPORTED_VERSIONS && length >= 1) {
      const listEnd = Math.min(body + length, body + 1 + hello[body]!)
      for (let v = body + 1; v + 2 <= listEnd; v += 2) if (hello.readUInt16BE(v) === TLS13) return true
      return false
    }
    at = body + length
  }
  return false
}

/**
 * Puts a ClientHello check in front of `server`'s TLS handshake: Node's own `connection` listeners
 * (the one that starts TLS) run only after the first record has been read, checked and put back.
 */
export function refuseTls13(server: TlsServer): void {
  const handshakers = server.listeners('connection') as Array<(socket: Socket) => void>
  server.removeAllListeners('connection')
  server.on('connection', (socket: Socket) => {
    let seen = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk])
      const verdict = offersTls13(seen)
      if (verdict === null && seen.length < MAX_HELLO) return
      socket.off('data', onData)
      socket.pause()
      if (verdict !== false) return void socket.destroy()
      socket.unshift(seen)
      for (const handshake of handshakers) handshake.call(server, socket)
    }
    socket.on('error', () => socket.destroy())
    socket.on('data', onData)
    // A server created with pauseOnConnect (ftp-srv's) hands over paused sockets; read the hello anyway.
    socket.resume()
  })
}
