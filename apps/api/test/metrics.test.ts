import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { parseExposition, sumOf, type Sample } from '@printforge/metrics'
import { jpeg } from './images.ts'
import { multipart } from './helper.ts'
import { spawnApi, type ApiProcess } from './process.ts'

// The API's metrics as Prometheus reads them (docs/observability.md): the real process, its own
// listener, a scripted burst, then the counters it must have moved — and nothing an attacker sent
// (a URL, a token, an id) may have become a label value.

const ROUTE_TEMPLATE = /^\/[A-Za-z0-9/_:.*-]*$/
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i
/** Every label of the API's own series and the values it may take (route is checked by shape). */
const BOUNDED: Record<string, (value: string) => boolean> = {
  service: (v) => v === 'api',
  route: (v) => v === 'unmatched' || (ROUTE_TEMPLATE.test(v) && !UUID.test(v)),
  method: (v) => ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'other'].includes(v),
  status_class: (v) => /^[1-5]xx$/.test(v),
  reason: (v) => /^[a-z_]+$/.test(v) && v.length <= 40,
  kind: (v) => v === 'scan_image' || v === 'model',
  outcome: (v) => v === 'accepted' || v === 'refused',
  state: (v) => ['total', 'idle', 'waiting'].includes(v),
  le: () => true,
}

describe('API metrics on their own port', () => {
  let api: ApiProcess
  let guarded: ApiProcess
  const metricsToken = 'm'.repeat(40)
  before(async () => {
    api = await spawnApi()
    guarded = await spawnApi({ env: { METRICS_TOKEN: metricsToken } })
  })
  after(async () => {
    await api?.stop()
    await guarded?.stop()
  })

  const scrape = async (target = api, headers: Record<string, string> = {}) => {
    const res = await fetch(target.metricsUrl, { headers })
    assert.equal(res.status, 200)
    return parseExposition(await res.text())
  }
  const customer = () => `Bearer ${api.token({ actor_id: `cus_${randomUUID().replaceAll('-', '')}`, actor_type: 'customer', auth_identity_id: 'a_1' })}`

  test('the metrics are not served on the API port, and the listener serves only /metrics', async () => {
    assert.equal((await fetch(`${api.url}/metrics`)).status, 404)
    assert.equal((await fetch(api.metricsUrl.replace('/metrics', '/'))).status, 404)
  })

  test('with METRICS_TOKEN a scrape without it is 401', async () => {
    assert.equal((await fetch(guarded.metricsUrl)).status, 401)
    assert.ok(sumOf(await scrape(guarded, { authorization: `Bearer ${metricsToken}` }), 'printforge_db_pool_max') > 0)
  })

  test('a burst of bad tokens, a rate-limited client and uploads moves the counters it should', async () => {
    const before = await scrape()
    const delta = (after: Sample[], name: string, labels: Record<string, string> = {}) => sumOf(after, name, labels) - sumOf(before, name, labels)

    // Bad tokens: one malformed, one signed with another secret, one of an unknown actor type.
    const bad = ['Bearer not-a-jwt', `Bearer ${api.token({ actor_id: 'cus_1', actor_type: 'customer' }).slice(0, -4)}AAAA`, `Bearer ${api.token({ actor_id: 'x', actor_type: 'robot' })}`]
    for (const authorization of bad) assert.equal((await fetch(`${api.url}/quota`, { headers: { authorization } })).status, 401)

    // A client over its 100 requests a minute on one route (fetching another tenant's job ids: 404s).
    const flooder = customer()
    const statuses = await Promise.all(Array.from({ length: 105 }, () => fetch(`${api.url}/jobs/${randomUUID()}`, { headers: { authorization: flooder } }).then((r) => r.status)))
    const limited = statuses.filter((s) => s === 429).length
    assert.ok(limited >= 5, `429s: ${limited}`)

    // Uploads: one accepted with two photos, one refused (not an image).
    const uploader = customer()
    const photo = await jpeg(64, 48)
    const good = multipart([{ name: 'title', value: 'Vase' }, ...['a.jpg', 'b.jpg'].map((filename) => ({ name: 'images', filename, content: photo, contentType: 'image/jpeg' }))])
    const accepted = await fetch(`${api.url}/jobs/create`, { method: 'POST', headers: { ...good.headers, authorization: uploader }, body: good.payload })
    assert.equal(accepted.status, 202, await accepted.text())
    const refused = multipart([{ name: 'images', filename: 'c.jpg', content: Buffer.from('MZ this is no image'), contentType: 'image/jpeg' }])
    assert.equal((await fetch(`${api.url}/jobs/create`, { method: 'POST', headers: { ...refused.headers, authorization: uploader }, body: refused.payload })).status, 415)
    // An unknown path whose text must not become a label.
    const probe = `/wp-admin/${randomUUID()}`
    assert.equal((await fetch(`${api.url}${probe}`)).status, 404)

    const after = await scrape()
    assert.equal(delta(after, 'printforge_api_auth_failures_total'), 3)
    assert.equal(delta(after, 'printforge_api_rejections_total', { reason: 'unauthenticated' }), 3)
    assert.equal(delta(after, 'printforge_api_rejections_total', { reason: 'rate_limited' }), limited)
    assert.equal(delta(after, 'printforge_http_requests_total', { route: '/jobs/:id', method: 'GET', status_class: '4xx' }), 105)
    assert.equal(delta(after, 'printforge_http_request_duration_seconds_count', { route: '/jobs/:id', method: 'GET' }), 105)
    assert.equal(delta(after, 'printforge_api_upload_files_total', { kind: 'scan_image', outcome: 'accepted' }), 2)
    assert.equal(delta(after, 'printforge_api_upload_bytes_total', { kind: 'scan_image' }), 2 * photo.length)
    assert.equal(delta(after, 'printforge_api_upload_size_bytes_count', { kind: 'scan_image' }), 2)
    assert.equal(delta(after, 'printforge_api_upload_files_total', { kind: 'scan_image', outcome: 'refused' }), 1)
    assert.equal(delta(after, 'printforge_api_rejections_total', { reason: 'unsupported_media_type' }), 1)
    assert.equal(delta(after, 'printforge_http_requests_total', { route: 'unmatched', status_class: '4xx' }), 1)

    // Dependencies and the pool, read when scraped.
    assert.equal(sumOf(after, 'printforge_database_up'), 1)
    assert.equal(sumOf(after, 'printforge_redis_up'), 1)
    assert.ok(sumOf(after, 'printforge_db_pool_max') > 0)
    assert.ok(sumOf(after, 'printforge_db_pool_clients', { state: 'total' }) >= 1)
    assert.ok(after.some((s) => s.name === 'printforge_db_pool_clients' && s.labels['state'] === 'waiting'))
    assert.ok(after.some((s) => s.name === 'process_resident_memory_bytes'))

    // Bounded labels: every label of every printforge_* series is one of its fixed set.
    for (const sample of after.filter((s) => s.name.startsWith('printforge_'))) {
      for (const [label, value] of Object.entries(sample.labels)) {
        const allowed = BOUNDED[label]
        assert.ok(allowed, `${sample.name}: unexpected label ${label}`)
        assert.ok(allowed(value), `${sample.name}{${label}="${value}"}`)
      }
    }
    const text = JSON.stringify(after)
    assert.ok(!text.includes(probe) && !text.includes('wp-admin') && !text.includes('not-a-jwt'), 'a request-supplied string became a label')
  })
})
