// The `monitoring` profile (docs/operations.md, "Monitoring"): Prometheus loaded the alert rules and
// scrapes every api and worker replica through the bearer token, on the internal network only.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { containers, docker, waitFor } from './stack.ts'

const RULES = readFileSync(new URL('../../monitoring/prometheus/rules/printforge.rules.yml', import.meta.url), 'utf8')
const ALERTS = [...RULES.matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1] as string).sort()

/** Prometheus's HTTP API, from inside its own container (it publishes no port). */
function prometheusApi<T>(path: string): T {
  const [prometheus] = containers('prometheus')
  assert.ok(prometheus, 'the prometheus container runs (COMPOSE_PROFILES includes monitoring)')
  const body = docker(['exec', prometheus, 'wget', '-q', '-O', '-', `http://127.0.0.1:9090${path}`]).stdout
  const answer = JSON.parse(body) as { status: string; data: T }
  assert.equal(answer.status, 'success', body)
  return answer.data
}

/** A scrape of `url` from the prometheus container, with the mounted token or without any. */
function scrape(url: string, withToken: boolean) {
  const [prometheus] = containers('prometheus')
  const header = withToken ? '--header "Authorization: Bearer $(cat /run/secrets/metrics_token)"' : ''
  // -S: the status line goes to stderr (Debian's and busybox's wget alike), whatever the outcome.
  return docker(['exec', prometheus!, 'sh', '-c', `wget -S -O - ${header} ${url}`], { allowFail: true })
}

interface Target { labels: { job: string; instance: string }; health: string; lastError: string }

describe('monitoring profile: Prometheus with the rules, scraping every replica', () => {
  test('every alert of monitoring/prometheus/rules is loaded', () => {
    const data = prometheusApi<{ groups: { name: string; rules: { name: string; type: string }[] }[] }>('/api/v1/rules')
    const loaded = data.groups.flatMap((g) => g.rules.filter((r) => r.type === 'alerting').map((r) => r.name)).sort()
    assert.ok(ALERTS.length >= 20, `${ALERTS.length} alerts parsed from the rules file`)
    assert.deepEqual(loaded, ALERTS)
  })

  test('each api replica, the worker and worker-scans are scraped and up (dns_sd finds every container)', async () => {
    const expected = { api: containers('api').length, worker: containers('worker').length, 'worker-scans': containers('worker-scans').length }
    assert.equal(expected.api, 2, 'npm run deploy:test scales api to 2')
    // DNS is re-read every 30 s and targets scraped every 15 s: allow two rounds of each.
    const targets = await waitFor('api, worker and worker-scans targets all up', () => {
      const active = prometheusApi<{ activeTargets: Target[] }>('/api/v1/targets?state=active').activeTargets
      const up = (job: string) => active.filter((t) => t.labels.job === job && t.health === 'up').length
      return Object.entries(expected).every(([job, n]) => up(job) === n) && active
    }, 120_000, 5_000)
    for (const t of targets.filter((x) => x.labels.job !== 'prometheus')) assert.equal(t.health, 'up', `${t.labels.job} ${t.labels.instance}: ${t.lastError}`)
    const series = prometheusApi<{ result: { metric: Record<string, string> }[] }>(`/api/v1/query?query=${encodeURIComponent('count by (service) (printforge_redis_up)')}`).result
    assert.deepEqual(series.map((s) => s.metric['service']).sort(), ['api', 'worker'], 'both services report, with their service label')
  })

  test('a scrape without the token is refused; with it, the api answers its series', () => {
    const refused = scrape('http://api:9464/metrics', false)
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /401/)
    const answered = scrape('http://api:9464/metrics', true)
    assert.equal(answered.code, 0, answered.stderr)
    assert.match(answered.stdout, /^# TYPE printforge_http_requests_total counter$/m)
  })

  test('Prometheus publishes no port and sits on the internal network only', () => {
    const [prometheus] = containers('prometheus')
    const [info] = JSON.parse(docker(['inspect', prometheus!]).stdout) as [{ NetworkSettings: { Ports: Record<string, unknown[] | null>; Networks: Record<string, unknown> } }]
    assert.deepEqual(Object.values(info.NetworkSettings.Ports ?? {}).filter((b) => b && b.length > 0), [])
    assert.deepEqual(Object.keys(info.NetworkSettings.Networks).map((n) => n.replace(/^.*_/, '')), ['backend'])
  })
})
