import assert from 'node:assert/strict'
import { test } from 'node:test'
import { docker } from './stack.ts'

const IMAGES = ['printforge/api:deploy-test', 'printforge/worker:deploy-test', 'printforge/cli:deploy-test']

for (const image of IMAGES) {
  test(`${image}: non-root, tini as PID 1, a health check, no secret or test file in any layer`, (t) => {
    const [info] = JSON.parse(docker(['image', 'inspect', image]).stdout) as [{ Size: number; Config: { User: string; Entrypoint: string[]; Healthcheck?: { Test: string[] }; Env: string[] } }]
    t.diagnostic(`${image}: ${(info.Size / 1024 / 1024).toFixed(0)} MiB`)
    assert.equal(info.Config.User, 'node')
    assert.equal(info.Config.Entrypoint[0], '/usr/bin/tini')
    if (!image.includes('/cli:')) assert.ok(info.Config.Healthcheck?.Test?.length, 'a health check')
    for (const entry of info.Config.Env) assert.doesNotMatch(entry, /(SECRET|PASSWORD|TOKEN|KEY|_URL)=/i, `environment baked in: ${entry.split('=')[0]}`)
    const history = docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', image]).stdout
    assert.doesNotMatch(history, /(SECRET|PASSWORD|PRINTER_KEYS|JWT)[A-Z_]*=/i, 'no secret set in a layer')
    // Our own tests and sources stay out (dependencies ship theirs; not our call), and no secret
    // material or npm configuration anywhere.
    const find = [
      'find /app -path /app/node_modules -prune -o \\( -name "*.test.ts" -o -path "*/test/*" -o -path "*/src/*.ts" \\) -print',
      'find / -xdev \\( -path /proc -o -path /usr -o -path /sys \\) -prune -o \\( -name ".env" -o -name ".env.*" -o -name ".npmrc" -o -name "*.key" \\) -print',
    ].join('; ')
    const stray = docker(['run', '--rm', '--entrypoint', 'sh', image, '-c', `{ ${find}; } 2>/dev/null | head -5`]).stdout.trim()
    assert.equal(stray, '', `files that belong in no image:\n${stray}`)
  })
}

test('printforge/edge:deploy-test: nginx as uid 101 with only the console\'s built files added', (t) => {
  const image = 'printforge/edge:deploy-test'
  const [info] = JSON.parse(docker(['image', 'inspect', image]).stdout) as [{ Size: number; Config: { User: string; Env: string[] } }]
  t.diagnostic(`${image}: ${(info.Size / 1024 / 1024).toFixed(0)} MiB`)
  assert.match(info.Config.User, /^(101|nginx)$/)
  for (const entry of info.Config.Env) assert.doesNotMatch(entry, /(SECRET|PASSWORD|TOKEN|KEY)=/i, `environment baked in: ${entry.split('=')[0]}`)
  const listing = docker(['run', '--rm', '--entrypoint', 'sh', image, '-c', 'cd /usr/share/printforge/console && find . -type f | sort']).stdout.split('\n').filter(Boolean)
  assert.ok(listing.includes('./index.html'), 'index.html')
  assert.ok(listing.some((f) => /^\.\/assets\/.+\.js$/.test(f)), 'the built scripts')
  // Built output only: no sources, source maps, tests or package manifests.
  const stray = listing.filter((f) => /\.(tsx?|map)$|package\.json$|\/test\//.test(f))
  assert.deepEqual(stray, [], 'only built files')
})
