// The console's edge (nginx/templates/printforge-console.conf.template) rendered as npm run dev
// renders it and served by real nginx (Debian's, as in the dev stack) in front of a stand-in API:
// the browser policy of docs/console.md on every /console/ answer, caching, deep links, runtime
// configuration, and /live passed through unbuffered.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CONSOLE_TEMPLATE_VARIABLES, renderConsoleTemplate, type ConsoleTemplateValues } from '../src/console-template.ts'
import { startDevNginx, type RunningDevNginx } from '../src/dev-nginx.ts'
import { freePort } from '../src/ports.ts'

const root = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const template = readFileSync(path.join(root, 'nginx/templates/printforge-console.conf.template'), 'utf8')
const values: ConsoleTemplateValues = {
  CONSOLE_ROOT: '/srv/console',
  MEDUSA_URL: 'https://shop.example.com',
  CONSOLE_IMAGE_ORIGINS: 'https://acct.r2.cloudflarestorage.com',
  CONSOLE_DEV_SIGN_IN: 'false',
}

describe('console template rendering (the dev stack\'s envsubst)', () => {
  test('every contract variable is substituted; nginx\'s own variables are left alone', () => {
    const out = renderConsoleTemplate(template, values)
    for (const name of CONSOLE_TEMPLATE_VARIABLES) assert.ok(template.includes(`\${${name}}`), `the template uses ${name}`)
    assert.doesNotMatch(out, /\$\{?(CONSOLE_ROOT|MEDUSA_URL|CONSOLE_IMAGE_ORIGINS|CONSOLE_DEV_SIGN_IN)\b/)
    assert.match(out, /alias \/srv\/console\/;/)
    assert.match(out, /connect-src 'self' https:\/\/shop\.example\.com;/)
    assert.match(out, /img-src 'self' https:\/\/acct\.r2\.cloudflarestorage\.com;/)
    assert.match(out, /'\{"medusaUrl":"https:\/\/shop\.example\.com","devSignIn":false\}\\n'/)
    for (const own of ['$uri', '$printforge_hsts', '$printforge_console_cache']) assert.ok(out.includes(own), `${own} kept`)
  })

  test('an unknown ${X} is left as it is, as envsubst given only the defined names leaves it', () => {
    assert.equal(renderConsoleTemplate('a ${X} $Y ${MEDUSA_URL} $MEDUSA_URL', values), 'a ${X} $Y https://shop.example.com https://shop.example.com')
  })

  test('a missing variable or a value that would be read as syntax is refused', () => {
    for (const name of CONSOLE_TEMPLATE_VARIABLES) {
      const { [name]: _, ...rest } = values
      assert.throws(() => renderConsoleTemplate(template, rest as ConsoleTemplateValues), new RegExp(`${name} is required`))
    }
    for (const bad of ['https://a.example"; add_header X 1', 'https://a.example;', 'https://a.example\nlocation', 'https://a.example/$host', "https://a.example'"]) {
      assert.throws(() => renderConsoleTemplate(template, { ...values, MEDUSA_URL: bad }), /read as syntax/)
    }
    assert.throws(() => renderConsoleTemplate(template, { ...values, CONSOLE_DEV_SIGN_IN: 'yes' }), /true or false/)
  })
})

describe('console edge served by nginx', () => {
  let nginx: RunningDevNginx
  let api: http.Server
  let dir: string
  let release: () => void = () => {}
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pf-console-'))
    mkdirSync(path.join(dir, 'assets'))
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>')
    writeFileSync(path.join(dir, 'assets/index-0a1b2c3d.js'), 'export {}\n')
    // A stand-in API: /live writes one event, then holds the stream open until released.
    api = http.createServer((req, res) => {
      if (req.url === '/live') {
        // Without X-Accel-Buffering (which the real API sends): the location's own proxy_buffering is tested.
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('event: ready\ndata: {}\n\n')
        release = () => res.end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, xff: req.headers['x-forwarded-for'] }))
    })
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r))
    nginx = await startDevNginx({
      root,
      port: await freePort(),
      apiPort: (api.address() as AddressInfo).port,
      console: { ...values, CONSOLE_ROOT: dir, CONSOLE_DEV_SIGN_IN: 'true' },
      log: () => {},
    })
  })
  after(async () => {
    release()
    await nginx?.stop()
    api.closeAllConnections()
    await new Promise((r) => api.close(r))
    rmSync(dir, { recursive: true, force: true })
  })

  const get = (url: string) => fetch(`${nginx.url}${url}`, { redirect: 'manual' })
  const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https://acct.r2.cloudflarestorage.com; connect-src 'self' https://shop.example.com; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"
  function assertPolicy(res: Response, url: string) {
    assert.equal(res.headers.get('content-security-policy'), CSP, url)
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url)
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', url)
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin', url)
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-origin', url)
    assert.equal(res.headers.get('permissions-policy'), 'camera=(), microphone=(), geolocation=(), payment=(), usb=()', url)
    // Plain HTTP (dev): no HSTS; production's server sets $printforge_hsts (deploy/test/1-edge.test.ts).
    assert.equal(res.headers.get('strict-transport-security'), null, url)
  }

  test('/console/ and every deep link: index.html with the full policy, never cached', async () => {
    for (const url of ['/console/', '/console/index.html', '/console/queue', '/console/queue/0f3e', '/console/audit?from=2026-01-01']) {
      const res = await get(url)
      assert.equal(res.status, 200, url)
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, url)
      assert.equal(await res.text(), '<!doctype html><title>console</title>', url)
      assertPolicy(res, url)
      assert.equal(res.headers.get('cache-control'), 'no-cache', url)
    }
  })

  test('assets: immutable for a year, with the policy; a missing asset is a 404, not index.html', async () => {
    const res = await get('/console/assets/index-0a1b2c3d.js')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /javascript/)
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable')
    assertPolicy(res, 'asset')
    assert.equal((await get('/console/assets/nope.js')).status, 404)
  })

  test('config.json: the runtime settings, never cached', async () => {
    const res = await get('/console/config.json')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    assertPolicy(res, 'config.json')
    assert.deepEqual(await res.json(), { medusaUrl: 'https://shop.example.com', devSignIn: true })
  })

  test('/console redirects to /console/ (relative: nginx does not know the published port)', async () => {
    const res = await get('/console')
    assert.equal(res.status, 301)
    assert.equal(res.headers.get('location'), '/console/')
  })

  test('other paths reach the API, X-Forwarded-For set from the peer (a client value is dropped)', async () => {
    const res = await fetch(`${nginx.url}/printers?x=1`, { headers: { 'x-forwarded-for': '203.0.113.9' } })
    assert.deepEqual(await res.json(), { path: '/printers?x=1', xff: '127.0.0.1' })
  })

  test('/live: an event reaches the client while the API holds the stream open (no buffering)', async () => {
    const res = await fetch(`${nginx.url}/live`)
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const first = await Promise.race([reader.read(), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3_000))])
    assert.notEqual(first, 'timeout', 'the first event arrived before the stream ended')
    assert.match(new TextDecoder().decode((first as { value: Uint8Array }).value), /event: ready/)
    release()
    await reader.cancel()
  })

  test('POST /print-files takes a sliced model\'s size (not the 64 KiB default)', async () => {
    const big = Buffer.alloc(200 * 1024, 1)
    assert.equal((await fetch(`${nginx.url}/print-files`, { method: 'POST', body: big })).status, 200)
    assert.equal((await fetch(`${nginx.url}/printers`, { method: 'POST', body: big })).status, 413)
  })
})
