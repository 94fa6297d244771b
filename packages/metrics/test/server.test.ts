import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Counter, createRegistry, parseExposition, startMetricsServer, sumOf, type MetricsServer } from '../src/index.ts'

describe('metrics listener', () => {
  const registry = createRegistry('api')
  const hits = new Counter({ name: 'printforge_test_hits_total', help: 'test', registers: [registry] })
  let open: MetricsServer
  let guarded: MetricsServer
  const token = 't'.repeat(40)
  before(async () => {
    open = await startMetricsServer({ registry, host: '127.0.0.1', port: 0 })
    guarded = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, token })
  })
  after(async () => {
    await open.close()
    await guarded.close()
  })
  const get = (server: MetricsServer, path = '/metrics', headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${server.port}${path}`, { headers })

  test('serves Prometheus text with the process metrics and the service label', async () => {
    hits.inc()
    const res = await get(open)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /text\/plain; version=0\.0\.4/)
    const body = await res.text()
    assert.match(body, /^printforge_test_hits_total\{service="api"\} 1$/m)
    assert.match(body, /^process_cpu_user_seconds_total\{service="api"\} /m)
    assert.match(body, /^nodejs_eventloop_lag_seconds\{service="api"\} /m)
  })

  test('what it serves parses back into samples, label values unescaped', async () => {
    const labelled = new Counter({ name: 'printforge_test_labelled_total', help: 'test', labelNames: ['reason'], registers: [registry] })
    labelled.inc({ reason: 'a "quoted" \\ value' }, 3)
    const samples = parseExposition(await (await get(open)).text())
    assert.equal(sumOf(samples, 'printforge_test_labelled_total', { reason: 'a "quoted" \\ value', service: 'api' }), 3)
    assert.ok(samples.some((s) => s.name === 'process_cpu_user_seconds_total'))
    assert.throws(() => parseExposition('not a sample line at all'), /not a Prometheus sample/)
  })

  test('answers 404 outside GET /metrics', async () => {
    assert.equal((await get(open, '/')).status, 404)
    assert.equal((await get(open, '/metrics/x')).status, 404)
    assert.equal((await fetch(`http://127.0.0.1:${open.port}/metrics`, { method: 'POST' })).status, 404)
  })

  test('with a token, a scrape without it or with another one is 401 and shows nothing', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${token}x` }, { authorization: token }, { authorization: `Basic ${token}` }]
    for (const headers of attempts) {
      const res = await get(guarded, '/metrics', headers)
      assert.equal(res.status, 401, JSON.stringify(headers))
      assert.equal(res.headers.get('www-authenticate'), 'Bearer')
      assert.doesNotMatch(await res.text(), /printforge_/)
    }
    const res = await get(guarded, '/metrics', { authorization: `Bearer ${token}` })
    assert.equal(res.status, 200)
    assert.match(await res.text(), /printforge_test_hits_total/)
  })

  test('a collector that throws answers 500 without killing the listener', async () => {
    const failing = createRegistry('worker')
    new Counter({ name: 'printforge_test_broken_total', help: 'test', registers: [failing], collect() { throw new Error('boom') } })
    const errors: Error[] = []
    const server = await startMetricsServer({ registry: failing, host: '127.0.0.1', port: 0, onError: (err) => errors.push(err) })
    try {
      const res = await get(server)
      assert.equal(res.status, 500)
      assert.doesNotMatch(await res.text(), /boom/)
      assert.equal(errors[0]?.message, 'boom')
      assert.equal((await get(server)).status, 500)
    } finally {
      await server.close()
    }
  })
})
