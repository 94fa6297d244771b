import type { PrintForgeClient } from '@printforge/client'
import { createParser } from 'eventsource-parser'

export interface LiveHandlers {
  /** One SSE event (`ready`, `printer`, `manufacturing`, `bye`): its name and parsed JSON data. */
  onEvent: (name: string, data: unknown) => void
  /** The stream is subscribed (after `ready`) or down (closed, failed, waiting to reconnect). */
  onStatus: (up: boolean) => void
  /** The API refused the token (401): the session is over. */
  onUnauthorized: () => void
  /** The server ended the stream for a reason reconnecting cannot fix (token expired, role revoked). */
  onFinished: (reason: string) => void
}

// `bye` reasons after which reconnecting with the same token would only be refused again.
const FINAL_REASONS = new Set(['token_expired', 'role_revoked'])
const MIN_BACKOFF_MS = 1_000
const MAX_BACKOFF_MS = 30_000

/**
 * GET /live (docs/console.md "the live stream") through the typed client, read as a stream rather
 * than with EventSource, because EventSource cannot send the token in an Authorization header (and
 * a token in a URL ends up in logs). Reconnects with jittered exponential backoff until stopped.
 * Returns the function that stops it.
 */
export function openLiveStream(api: PrintForgeClient, handlers: LiveHandlers): () => void {
  let stopped = false
  let controller: AbortController | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let failures = 0

  const connect = async () => {
    controller = new AbortController()
    let finalReason: string | undefined
    try {
      const { data: body, response } = await api.GET('/live', {
        parseAs: 'stream',
        headers: { accept: 'text/event-stream' },
        signal: controller.signal,
      })
      if (response.status === 401) {
        stopped = true
        handlers.onUnauthorized()
        return
      }
      if (!response.ok || !body) throw new Error(`live stream answered ${response.status}`)
      const parser = createParser({
        onEvent: (message) => {
          let data: unknown
          try {
            data = JSON.parse(message.data)
          } catch {
            return // not one JSON object: not an event of the contract
          }
          const name = message.event ?? 'message'
          if (name === 'ready') {
            failures = 0
            handlers.onStatus(true)
          }
          if (name === 'bye') {
            const reason = (data as { reason?: unknown }).reason
            if (typeof reason === 'string' && FINAL_REASONS.has(reason)) finalReason = reason
          }
          handlers.onEvent(name, data)
        },
      })
      const reader = body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        parser.feed(value)
      }
    } catch {
      // Network error, abort, or a refusal other than 401 (429 too many streams, 5xx): retry later.
    }
    if (stopped) return
    handlers.onStatus(false)
    if (finalReason) {
      stopped = true
      handlers.onFinished(finalReason)
      return
    }
    const backoff = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** failures)
    failures += 1
    timer = setTimeout(() => void connect(), backoff / 2 + Math.random() * (backoff / 2))
  }

  void connect()
  return () => {
    stopped = true
    clearTimeout(timer)
    controller?.abort()
  }
}
