import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import https from 'node:https'
import { describe, test } from 'node:test'
import { BASE, CA, compose, HTTP_BASE, rawTls, request, token } from './stack.ts'

const { hostname, port } = new URL(BASE)

describe('nginx: TLS only, no banners, nothing private reachable (docs/product.md §9, §12 Deployment)', () => {
  test('sslscan: TLS 1.0 and 1.1 refused, SSLv2/3 refused, only AEAD suites on TLS 1.2', (t) => {
    const scan = spawnSync('sslscan', ['--no-colour', '--no-heartbleed', `${hostname}:${port}`], { encoding: 'utf8' })
    assert.equal(scan.status, 0, scan.stderr)
    const out = scan.stdout
    t.diagnostic(out.split('\n').filter((l) => /enabled|disabled|Accepted|Preferred/.test(l)).join('\n'))
    for (const old of ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1']) assert.match(out, new RegExp(`${old.replace('.', '\\.')}\\s+disabled`), `${old} must be disabled`)
    assert.match(out, /TLSv1\.2\s+enabled/)
    assert.match(out, /TLSv1\.3\s+enabled/)
    const tls12 = out.split('\n').filter((l) => /^(Preferred|Accepted)\s+TLSv1\.2/.test(l))
    assert.ok(tls12.length > 0, 'TLS 1.2 suites listed')
    for (const line of tls12) assert.match(line, /GCM|CHACHA20-POLY1305/, `not an AEAD suite: ${line}`)
  })

  test('HSTS on every answer; no version in headers or in nginx\'s own error pages', async () => {
    for (const url of ['/health', '/no-such-route', '/docs']) {
      const res = await request('GET', url)
      assert.match(String(res.headers['strict-transport-security']), /max-age=\d{8}/, url)
      assert.doesNotMatch(String(res.headers['server'] ?? ''), /\d/, `${url}: server header carries a version`)
      assert.doesNotMatch(res.text, /nginx|<center>|\d+\.\d+\.\d+/i, `${url}: body names the server`)
    }
  })

  test('plain HTTP only redirects to HTTPS', async () => {
    const res = await fetch(`${HTTP_BASE}/jobs`, { redirect: 'manual' })
    assert.equal(res.status, 301)
    assert.match(res.headers.get('location') ?? '', /^https:\/\/localhost\/jobs$/)
  })

  test('/docs and /metrics are 404 through nginx', async () => {
    for (const url of ['/docs', '/docs/', '/docs/json', '/metrics']) assert.equal((await request('GET', url)).status, 404, url)
  })

  test('a 600 MiB upload is refused by nginx before the API reads it; other routes take 64 KiB at most', async () => {
    const started = Date.now()
    const huge = await rawTls(`POST /jobs/create HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: ${600 * 1024 * 1024}\r\n\r\n--x\r\n`)
    assert.match(huge, /^HTTP\/1\.1 413/, huge.slice(0, 200))
    assert.ok(Date.now() - started < 3_500, 'answered without reading the body')
    const json = await request('POST', '/tokens/revoke', { headers: { 'content-type': 'application/json' }, body: Buffer.alloc(70 * 1024, 0x20) })
    assert.equal(json.status, 413)
  })

  test('request smuggling probes (Content-Length with Transfer-Encoding, two Content-Lengths) get 400 from nginx', async () => {
    const both = await rawTls('POST /jobs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n')
    assert.match(both, /^HTTP\/1\.1 400/, both.slice(0, 200))
    const twice = await rawTls('POST /jobs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd')
    assert.match(twice, /^HTTP\/1\.1 400/, twice.slice(0, 200))
  })

  test('a spoofed X-Forwarded-For through nginx does not change the rate-limit key', async () => {
    const remaining = async (xff: string) => Number((await request('GET', '/', { headers: { 'x-forwarded-for': xff } })).headers['x-ratelimit-remaining'])
    const first = await remaining('203.0.113.1')
    const second = await remaining('198.51.100.77')
    const third = await remaining('2001:db8::1, 10.0.0.1')
    assert.ok(Number.isFinite(first), 'the limit is reported')
    assert.deepEqual([second, third], [first - 1, first - 2], 'one key for all three: nginx set X-Forwarded-For from the peer address')
  })
})

describe('the staff console through nginx (docs/console.md, "Browser policy")', () => {
  const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http://localhost:9000; connect-src 'self' https://shop.example.com; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"
  const policy = (res: Awaited<ReturnType<typeof request>>, url: string) => {
    assert.equal(res.headers['content-security-policy'], CSP, url)
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url)
    assert.equal(res.headers['referrer-policy'], 'no-referrer', url)
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', url)
    assert.equal(res.headers['permissions-policy'], 'camera=(), microphone=(), geolocation=(), payment=(), usb=()', url)
    // The location adds its own headers, so nginx drops the server's: the template repeats HSTS.
    assert.match(String(res.headers['strict-transport-security']), /max-age=\d{8}/, url)
  }

  test('/console/ and a deep link: the built index.html with the full policy, never cached', async () => {
    const index = await request('GET', '/console/')
    assert.equal(index.status, 200)
    assert.match(String(index.headers['content-type']), /^text\/html/)
    assert.match(index.text, /<script type="module"[^>]* src="\/console\/assets\/[^"]+\.js"/)
    policy(index, '/console/')
    assert.equal(index.headers['cache-control'], 'no-cache')
    const deep = await request('GET', '/console/queue')
    assert.equal(deep.status, 200)
    assert.equal(deep.text, index.text, 'a deep link serves index.html')
    policy(deep, '/console/queue')
    const bare = await request('GET', '/console')
    assert.equal(bare.status, 301)
    assert.equal(bare.headers['location'], '/console/')
  })

  test('a content-hashed asset is immutable for a year, with the policy', async () => {
    const index = await request('GET', '/console/')
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(index.text)?.[1] ?? assert.fail('no script in index.html')
    const res = await request('GET', asset)
    assert.equal(res.status, 200)
    assert.match(String(res.headers['content-type']), /javascript/)
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable')
    policy(res, asset)
  })

  test('config.json: Medusa\'s URL from the env file, no dev sign-in, never cached', async () => {
    const res = await request('GET', '/console/config.json')
    assert.equal(res.status, 200)
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.deepEqual(res.json(), { medusaUrl: 'https://shop.example.com', devSignIn: false })
    policy(res, 'config.json')
  })

  test('POST /print-files takes a sliced model\'s size: a 100 KiB body reaches the API (401), not nginx\'s 413', async () => {
    const res = await request('POST', '/print-files', { headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: Buffer.alloc(100 * 1024, 0x20) })
    assert.equal(res.status, 401)
  })
})

test('/live through nginx: the first event arrives while the stream stays open (not buffered)', async () => {
  const operator = `user_deploylive${randomBytes(4).toString('hex')}`
  assert.match(compose(['run', '--rm', '--no-deps', 'cli', 'staff', 'grant', operator, 'operator']).stdout, /operator/)
  const first = await new Promise<{ status: number; type: string; chunk: string }>((resolve, reject) => {
    const req = https.get(new URL('/live', BASE), { ca: CA, servername: 'localhost', headers: { authorization: `Bearer ${token('user', operator)}` } }, (res) => {
      res.once('data', (d: Buffer) => {
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), chunk: d.toString('utf8') })
        req.destroy()
      })
    })
    req.on('error', reject)
    setTimeout(() => reject(new Error('no event within 10 s: nginx buffered the stream')), 10_000).unref()
  })
  assert.equal(first.status, 200)
  assert.match(first.type, /^text\/event-stream/)
  assert.match(first.chunk, /event: ready/)
})
