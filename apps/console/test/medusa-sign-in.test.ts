// The console's sign-in call (src/auth/medusa.ts) against a real HTTP server standing in for
// Medusa's POST /auth/user/emailpass: what it sends, what it keeps, and where it refuses to send.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { medusaSignIn, SignInError } from '../src/auth/medusa.ts'

async function medusa(status: number, body: unknown) {
  const seen: { method?: string; url?: string; type?: string; cookie?: string; body: string }[] = []
  const server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk: Buffer) => (text += chunk.toString()))
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], cookie: req.headers.cookie, body: text })
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) }
}

test('posts the e-mail and password as JSON to /auth/user/emailpass and returns the token', async (t) => {
  const shop = await medusa(200, { token: 'header.payload.signature' })
  t.after(shop.close)
  assert.equal(await medusaSignIn(shop.url, 'admin@example.com', 'pw "quoted"'), 'header.payload.signature')
  assert.deepEqual(shop.seen, [{ method: 'POST', url: '/auth/user/emailpass', type: 'application/json', cookie: undefined, body: JSON.stringify({ email: 'admin@example.com', password: 'pw "quoted"' }) }])
})

test('a base URL with a path keeps it', async (t) => {
  const shop = await medusa(200, { token: 't' })
  t.after(shop.close)
  await medusaSignIn(`${shop.url}/shop/`, 'a@b.c', 'p')
  assert.equal(shop.seen[0]?.url, '/shop/auth/user/emailpass')
})

test('401 is a wrong e-mail or password; an answer without a token is refused', async (t) => {
  const refused = await medusa(401, { message: 'Invalid email or password' })
  t.after(refused.close)
  await assert.rejects(medusaSignIn(refused.url, 'a@b.c', 'bad'), (err) => err instanceof SignInError && err.message === 'Wrong e-mail or password.')
  const empty = await medusa(200, { token: '' })
  t.after(empty.close)
  await assert.rejects(medusaSignIn(empty.url, 'a@b.c', 'p'), SignInError)
})

test('the password never goes over plain http to another machine', async () => {
  let called = false
  const original = globalThis.fetch
  globalThis.fetch = async () => ((called = true), new Response('{}'))
  try {
    await assert.rejects(medusaSignIn('http://shop.example.com', 'a@b.c', 'p'), /must use https/)
    await assert.rejects(medusaSignIn('ftp://shop.example.com', 'a@b.c', 'p'), /must use https/)
  } finally {
    globalThis.fetch = original
  }
  assert.equal(called, false, 'no request was made')
})
