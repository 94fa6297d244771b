// app.inject for any route, event streams included. An event stream (GET /live) never ends by
// itself, so a plain inject would wait forever: its answer is read up to the end of its first
// event and then let go (leaving the loop destroys the stream; the app's close ends what remains).
import type { FastifyInstance, InjectOptions } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'

/** What the checks read of an answer. */
export interface Answer {
  statusCode: number
  headers: IncomingHttpHeaders
  body: string
  json(): unknown
}

export async function injectAnswer(app: FastifyInstance, options: InjectOptions): Promise<Answer> {
  // Only a GET can open an event stream. Everything else keeps plain inject: with a streamed answer,
  // an upload the server refuses before reading its body (413, 415) left the stream open in the
  // multipart fuzz.
  if ((options.method ?? 'GET').toUpperCase() !== 'GET') {
    const res = await app.inject(options)
    return { statusCode: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: res.body, json: () => res.json() }
  }
  const res = await app.inject({ ...options, payloadAsStream: true })
  const eventStream = /^text\/event-stream\b/i.test(String(res.headers['content-type'] ?? ''))
  const chunks: Buffer[] = []
  for await (const chunk of res.stream()) {
    chunks.push(Buffer.from(chunk as Uint8Array))
    if (eventStream && Buffer.concat(chunks).includes('\n\n')) break
  }
  const body = Buffer.concat(chunks).toString('utf8')
  return { statusCode: res.statusCode, headers: res.headers as IncomingHttpHeaders, body, json: () => JSON.parse(body) }
}
