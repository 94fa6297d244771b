import http from 'node:http'

/** A server-sent event as a browser's stream reader would split it. */
export interface SseEvent {
  event: string
  data: string
}

/**
 * Reads a text/event-stream answer as the console does (a plain GET, the token in Authorization,
 * the body read as it arrives), collecting events and comments. node:http with a connection of
 * its own rather than fetch: after an abort, fetch's pool opens a spare connection that sends no
 * request, and a server closing gracefully waits for it until its keep-alive timeout (~70 s).
 */
export class SseReader {
  readonly events: SseEvent[] = []
  readonly comments: string[] = []
  ended = false
  private buffer = ''
  private waiters: (() => void)[] = []
  private request!: http.ClientRequest
  status = 0
  headers: http.IncomingHttpHeaders = {}

  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const reader = new SseReader()
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      reader.request = http.get(url, { headers, agent: false }, resolve).on('error', reject)
    })
    reader.status = response.statusCode ?? 0
    reader.headers = response.headers
    void reader.pump(response)
    return reader
  }

  /** The first event (from the start of the stream) for which `match` holds, waiting up to `ms`. */
  async next(match: (e: SseEvent) => boolean, ms = 5_000, from = 0): Promise<SseEvent> {
    const deadline = Date.now() + ms
    for (;;) {
      const found = this.events.slice(from).find(match)
      if (found) return found
      if (this.ended) throw new Error(`stream ended without the event (HTTP ${this.status}); got ${this.events.map((e) => e.event).join(', ')}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching event within ${ms} ms; got ${this.events.map((e) => e.event).join(', ')}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  named = (name: string, ms?: number, from?: number) => this.next((e) => e.event === name, ms, from)

  /** Resolves once the server closed the stream. */
  async closed(ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the stream did not end')
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** The client goes away (a closed tab). */
  abort(): void {
    this.request.destroy()
  }

  private async pump(response: http.IncomingMessage): Promise<void> {
    const decoder = new TextDecoder()
    try {
      for await (const chunk of response as AsyncIterable<Uint8Array>) {
        this.buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          this.parse(this.buffer.slice(0, end))
          this.buffer = this.buffer.slice(end + 2)
        }
        this.wake()
      }
    } catch {
      // aborted by the test
    } finally {
      this.ended = true
      this.wake()
    }
  }

  private parse(block: string): void {
    let event = 'message'
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim())
      else if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart())
    }
    if (data.length > 0) this.events.push({ event, data: data.join('\n') })
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}
