// A frozen printer stalls its broker: the TCP/TLS link stays up, but nothing comes back — no
// CONNACK, no PUBACK, no PINGRESP, no report, no answer. This pass-through sits between each TLS
// socket and aedes; while the printer is frozen it swallows everything aedes writes, and (unless
// the frozen firmware still takes commands) holds what the client sends until the thaw.
import { type Duplex as DuplexType, Duplex } from 'node:stream'

export interface FreezeState {
  frozen: boolean
  /** While frozen, incoming packets still reach the broker (and the firmware acts on them). */
  deliver: boolean
}

export class FreezeValve extends Duplex {
  private held: Buffer[] = []

  constructor(readonly socket: DuplexType, private readonly state: FreezeState) {
    super()
    socket.on('data', (chunk: Buffer) => {
      if (this.state.frozen && !this.state.deliver) this.held.push(chunk)
      else if (!this.push(chunk)) socket.pause()
    })
    socket.on('end', () => this.push(null))
    socket.on('error', (err) => this.destroy(err))
    socket.on('close', () => this.destroy())
  }

  /** After a thaw: what arrived while frozen reaches the broker now, in order. */
  release(): void {
    const held = this.held
    this.held = []
    if (this.destroyed) return
    for (const chunk of held) this.push(chunk)
  }

  /** The link is being dropped: what it held is lost with it, never delivered. */
  discard(): void {
    this.held = []
    this.destroy()
  }

  override _read(): void {
    this.socket.resume()
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    // Swallowed, not buffered: a PUBACK a frozen broker never sent is never sent later either.
    if (this.state.frozen) return done()
    if (this.socket.write(chunk)) return done()
    this.socket.once('drain', () => done())
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end()
    done()
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy()
    done(err)
  }
}
