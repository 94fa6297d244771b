import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { LiveStream, type StandingCheck } from '../../lib/live/live-stream.js'
import { personOf } from '../../lib/principal.js'
import { isRevoked } from '../../lib/role-cache.js'
import { sendError } from '../../plugins/app/errors.js'
import { commonErrors } from '../../schemas/common.js'
import { ManufacturingJob } from '../../schemas/manufacturing.js'
import { Printer } from '../../schemas/printers.js'

// Group staff stream too: their reads run under their own context, which RLS scopes to their groups.
const STAFF = new Set(['operator', 'admin', 'group_operator', 'group_admin'])

/** The REST routes' response schemas, compiled per route by Fastify's own serializer (and cached by identity). */
const SERIALIZED = { printer: Printer as unknown as Record<string, unknown>, manufacturing: ManufacturingJob as unknown as Record<string, unknown> }

const EventStream = Type.String({
  description:
    'Server-sent events: `ready` ({}), `printer` (a Printer as GET /printers/{id} returns it), `manufacturing` ' +
    '(a ManufacturingJob as GET /manufacturing/{id} returns it), `bye` ({ reason }: token_expired, role_revoked, ' +
    'max_duration, shutdown), and a `: keepalive` comment every 15 s. Read it with fetch: the token goes in Authorization.',
})

/** docs/console.md "GET /live — the live stream". */
const live: FastifyPluginAsyncTypebox = async (app) => {
  const { printers, manufacturing } = app.services

  app.get('/live', {
    // No scopes: API keys are refused (403) by the protected scope's authorization hook.
    config: { roles: ['operator', 'admin', 'group_operator', 'group_admin'], rateLimit: { max: 30, timeWindow: 60_000 } },
    schema: {
      operationId: 'liveEvents',
      description: 'The staff console\'s live stream of printer and print-job changes.',
      response: {
        200: { description: 'The event stream (text/event-stream; charset=utf-8).', content: { 'text/event-stream': { schema: EventStream } } },
        ...commonErrors,
      },
    },
  }, async (request, reply) => {
    const person = personOf(request.principal)
    const token = person.token
    if (!token) throw new Error('GET /live was reached without a verified token')
    // `ready` promises that nothing committed afterwards is missed: only with a LISTEN connection.
    if (!app.live.listener.listening) return sendError(request, reply, 'UNAVAILABLE', 'Live updates are temporarily unavailable; retry shortly.')
    const actorKey = `${person.actorType}:${person.actorId}`
    const streamId = randomUUID()
    if (!(await app.live.slots.acquire(actorKey, streamId))) {
      return sendError(request, reply, 'TOO_MANY_STREAMS', `At most ${app.config.LIVE_STREAMS_PER_ACTOR} live streams may be open at once; close one first.`)
    }
    // Reads run as the caller, with the role the last check found (an admin demoted to operator
    // reads as an operator from then on); serialized by the REST routes' own response schemas.
    const reader = { ...person }
    const serialize = { printer: reply.compileSerializationSchema(SERIALIZED.printer), manufacturing: reply.compileSerializationSchema(SERIALIZED.manufacturing) }
    const identity = { actorType: person.actorType, actorId: person.actorId, issuedAt: token.issuedAt }
    let untrack = () => {}
    const stream = new LiveStream({
      timings: app.live.timings,
      endsAt: Date.now() + app.config.LIVE_MAX_STREAM_SECONDS * 1_000,
      tokenExpiresAt: token.expiresAt * 1_000,
      read: async (kind, id) => (kind === 'printer' ? serialize.printer(await printers.get(reader, id)) : serialize.manufacturing(await manufacturing.get(reader, id))),
      async checkStanding(): Promise<StandingCheck> {
        const standing = await app.roles.standingOf(identity)
        if (isRevoked(identity.issuedAt, standing)) return 'token_revoked'
        if (!STAFF.has(standing.role)) return 'role_revoked'
        reader.role = standing.role
        reader.groups = standing.groups
        return 'ok'
      },
      subscribe: (subscriber) => app.live.listener.subscribe(subscriber),
      heartbeat: () => app.live.slots.heartbeat(actorKey, streamId),
      onEnd() {
        untrack()
        app.live.slots.release(actorKey, streamId).catch((err: Error) => request.log.warn({ reason: err.message }, 'live stream: slot release failed; it expires by itself'))
      },
      log: request.log,
    })
    untrack = app.live.track(stream)
    stream.start()
    return reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      // nginx: pass each event through at once instead of buffering the response.
      .header('x-accel-buffering', 'no')
      // A stream is sent as it is (no serializer); the typed reply only knows the JSON answers.
      .send(stream.body as never)
  })
}

export default live
