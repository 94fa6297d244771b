// WEBHOOK_DEV_TARGETS lets chosen targets be private and plain http: never in production.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDevTargets, refineWebhookConfig } from '../src/index.ts'

test('WEBHOOK_DEV_TARGETS is refused with NODE_ENV=production, accepted otherwise, and must be host:port entries', () => {
  assert.match(refineWebhookConfig({ NODE_ENV: 'production', WEBHOOK_DEV_TARGETS: '127.0.0.1:9000' })[0]?.problem ?? '', /must be unset when NODE_ENV=production/)
  assert.deepEqual(refineWebhookConfig({ NODE_ENV: 'production' }), [])
  assert.deepEqual(refineWebhookConfig({ NODE_ENV: 'development', WEBHOOK_DEV_TARGETS: 'medusa:9000, 127.0.0.1:4010' }), [])
  assert.deepEqual(parseDevTargets('Medusa:9000,[::1]:8080').targets, ['medusa:9000', '[::1]:8080'])
  for (const bad of ['medusa', 'medusa:0', 'medusa:70000', 'http://medusa:9000']) {
    assert.ok(refineWebhookConfig({ NODE_ENV: 'test', WEBHOOK_DEV_TARGETS: bad }).length === 1, bad)
  }
})
