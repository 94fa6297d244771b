import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { LiveListener } from '../../lib/live/listener.js'
import type { LiveStream, LiveStreamTimings } from '../../lib/live/live-stream.js'
import { createStreamSlots, type StreamSlots } from '../../lib/live/stream-slots.js'

/** docs/console.md "GET /live": the windows the contract names. Tests shorten them (AppOptions.live). */
export const LIVE_TIMINGS: LiveStreamTimings = { coalesceMs: 250, keepaliveMs: 15_000, roleCheckMs: 15_000 }

export interface LiveHub {
  listener: LiveListener
  slots: StreamSlots
  timings: LiveStreamTimings
  /** Tracks an open stream until it ends (the gauge, and shutdown). */
  track(stream: LiveStream): () => void
  /** Streams open on this instance. */
  readonly open: number
}

declare module 'fastify' {
  interface FastifyInstance {
    live: LiveHub
  }
}

/**
 * The live stream's per-instance machinery: one LISTEN connection fanned out to every open
 * stream, the cross-instance stream cap, and shutdown. Streams end in `preClose`, before the
 * server stops accepting and waits for open connections: an open stream would otherwise hold
 * close() (and close-with-grace) until its client left.
 */
export default fp(
  async (app: FastifyInstance, options: { timings?: Partial<LiveStreamTimings> }) => {
    const timings = { ...LIVE_TIMINGS, ...options.timings }
    const listener = new LiveListener({ databaseUrl: app.config.DATABASE_URL, log: app.log })
    await listener.start()
    if (!listener.listening) app.log.warn('live updates: no LISTEN connection at startup; GET /live answers 503 until it connects')
    const streams = new Set<LiveStream>()
    app.decorate('live', {
      listener,
      slots: createStreamSlots(app.redis.fast, app.config.LIVE_STREAMS_PER_ACTOR, timings.keepaliveMs),
      timings,
      track(stream: LiveStream) {
        streams.add(stream)
        app.metrics.liveStreamOpened()
        return () => {
          if (streams.delete(stream)) app.metrics.liveStreamClosed()
        }
      },
      get open() {
        return streams.size
      },
    })
    app.addHook('preClose', async () => {
      for (const stream of [...streams]) stream.end('shutdown')
    })
    app.addHook('onClose', () => listener.close())
  },
  { name: 'live', dependencies: ['config', 'redis', 'metrics'] },
)
