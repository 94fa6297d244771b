import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { jobStatus, uploadScan } from './scans.ts'
import { compose, containers, docker, request, waitFor } from './stack.ts'

/**
 * SIGKILL to the container's Node process, the child of tini (PID 1): tini then exits with it, as
 * after a crash. (`docker kill` would count as a manual stop, which restart policies respect.)
 */
function crash(container: string) {
  const script = 'for s in /proc/[0-9]*/stat; do set -- $(cat "$s" 2>/dev/null); [ "$4" = 1 ] && [ "$2" = "(node)" ] && kill -9 "$1"; done; true'
  docker(['exec', container, 'sh', '-c', script])
}
const restarts = (container: string) => Number(docker(['inspect', '-f', '{{.RestartCount}}', container]).stdout.trim())

describe('faults: processes die, the stack comes back (docs/product.md §9, §12 Faults)', () => {
  test('an api container killed is restarted by its policy and answers again within 30 s', async () => {
    const [api] = containers('api')
    const before = restarts(api!)
    crash(api!)
    const started = Date.now()
    await waitFor('the restart', () => restarts(api!) > before, 30_000)
    await waitFor('the restarted api healthy', () => docker(['inspect', '-f', '{{.State.Health.Status}}', api!]).stdout.trim() === 'healthy', 30_000 - (Date.now() - started))
    const res = await request('GET', '/health')
    assert.equal(res.status, 200)
  })

  test('the worker killed mid-scan: the scan still ends stored', async () => {
    const id = await uploadScan()
    for (const worker of [...containers('worker'), ...containers('worker-scans')]) crash(worker)
    const job = await waitFor('the scan stored after the restart', async () => {
      const j = await jobStatus(id)
      return j.status === 'stored' ? j : undefined
    }, 120_000)
    assert.ok(job.images.every((i) => i.status === 'stored'))
  })

  test('down, then up with the volumes kept: the data and the audit chain are intact', async () => {
    const id = await uploadScan()
    await waitFor('stored', async () => (await jobStatus(id)).status === 'stored', 120_000)
    compose(['down', '-t', '20'])
    compose(['up', '-d', '--no-build', '--scale', 'api=2'])
    await waitFor('nginx answering', async () => (await request('GET', '/health').catch(() => undefined))?.status === 200, 120_000)
    const job = await waitFor('the job back', async () => (await jobStatus(id).catch(() => undefined)) ?? undefined, 60_000)
    assert.equal(job.status, 'stored')
    const [pg] = containers('postgres')
    const verified = docker(['exec', pg!, 'psql', '-U', 'postgres', '-d', 'printforge', '-At', '-c', 'SELECT count(*) FROM audit_log']).stdout.trim()
    assert.ok(Number(verified) > 0)
  })
})
