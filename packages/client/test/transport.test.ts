import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { assertCredentialTransport, createPrintForgeClient, InsecureTransportError, isLoopbackHost } from '../src/index.ts'

const KEY = 'pf_abcdefghijkl_not-a-real-secret'

/** A fetch that records what it was asked to send and answers 200 {status:'ok'}. */
function recordingFetch() {
  const sent: Request[] = []
  const fetch = async (request: Request) => {
    sent.push(request)
    return Response.json({ status: 'ok' })
  }
  return { sent, fetch }
}

describe('a credential never leaves over plain http to another machine', () => {
  test('loopback hosts, as WHATWG URL normalises them', () => {
    for (const url of ['http://localhost:3000', 'http://127.0.0.1', 'http://127.1:8080', 'http://0x7f.0.0.1', 'http://[::1]:3000', 'https://api.example.com']) {
      assert.doesNotThrow(() => assertCredentialTransport(url), url)
    }
    for (const url of ['http://api.example.com', 'http://10.0.0.5:3000', 'http://localhost.example.com', 'http://[::ffff:127.0.0.1]', 'http://128.0.0.1', 'ftp://localhost', 'ws://localhost']) {
      assert.throws(() => assertCredentialTransport(url), InsecureTransportError, url)
    }
    assert.equal(isLoopbackHost('127.0.0.1'), true)
    assert.equal(isLoopbackHost('127.0.0.1.example.com'), false)
  })

  test('construction refuses an apiKey or token with a plain-http remote baseUrl', () => {
    assert.throws(() => createPrintForgeClient({ baseUrl: 'http://api.example.com', apiKey: KEY }), /refusing to send a PrintForge credential to http:\/\/api\.example\.com/)
    assert.throws(() => createPrintForgeClient({ baseUrl: 'http://api.example.com', token: 'eyJ.x.y' }), InsecureTransportError)
    // The message names the host, never the credential.
    assert.throws(() => createPrintForgeClient({ baseUrl: 'http://api.example.com', apiKey: KEY }), (err: Error) => !err.message.includes(KEY))
    assert.throws(() => createPrintForgeClient({ baseUrl: 'https://api.example.com', apiKey: KEY, token: 'eyJ.x.y' }), /not both/)
    assert.throws(() => createPrintForgeClient({ baseUrl: 'https://api.example.com', apiKey: '' }), /empty/)
  })

  test('over https the key goes as a bearer; without a credential plain http is allowed', async () => {
    const secure = recordingFetch()
    const client = createPrintForgeClient({ baseUrl: 'https://api.example.com', apiKey: KEY, fetch: secure.fetch })
    const { data } = await client.GET('/health')
    assert.deepEqual(data, { status: 'ok' })
    assert.equal(secure.sent[0]?.headers.get('authorization'), `Bearer ${KEY}`)
    assert.equal(secure.sent[0]?.url, 'https://api.example.com/health')

    const anonymous = recordingFetch()
    await createPrintForgeClient({ baseUrl: 'http://api.example.com', fetch: anonymous.fetch }).GET('/health')
    assert.equal(anonymous.sent.length, 1)
    assert.equal(anonymous.sent[0]?.headers.has('authorization'), false)
  })

  test('a per-request baseUrl or a middleware cannot send the credential over plain http', async () => {
    const { sent, fetch } = recordingFetch()
    const client = createPrintForgeClient({ baseUrl: 'https://api.example.com', apiKey: KEY, fetch })
    await assert.rejects(client.GET('/health', { baseUrl: 'http://api.example.com' }), InsecureTransportError)
    client.use({ onRequest: ({ request }) => new Request(request.url.replace('https:', 'http:'), request) })
    await assert.rejects(client.GET('/health'), InsecureTransportError)
    assert.equal(sent.length, 0, 'nothing was sent')
  })

  test('a redirect is refused, not followed with the credential', async () => {
    const hits: Array<string | undefined> = []
    const server = createServer((req, res) => {
      hits.push(req.headers.authorization)
      res.writeHead(302, { location: '/elsewhere' }).end()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const { port } = server.address() as AddressInfo
      const client = createPrintForgeClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY })
      await assert.rejects(client.GET('/health'), TypeError)
      assert.deepEqual(hits, [`Bearer ${KEY}`], 'one request, to the given origin; the redirect was not followed')
    } finally {
      server.close()
    }
  })
})
