// The plugin's pure parts, without Medusa: which line items PrintForge gets, which options are
// refused, and which webhooks verify. The e2e test (medusa-e2e.solo.test.ts) runs them in Medusa.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { toPrintForgeOrder } from '../src/lib/map-order.ts'
import { parseOptions } from '../src/lib/options.ts'
import { verifyWebhook, WebhookRejected } from '../src/lib/verify-webhook.ts'

const KEY = `pf_abcdefghijk2_${'A'.repeat(43)}`
const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`
const valid = { printforgeUrl: 'https://api.printforge.example', apiKey: KEY, webhookSecret: SECRET }

test('line items: a SKU is a product, scan metadata a scan, anything else stays out', () => {
  const body = toPrintForgeOrder({
    id: 'order_1', display_id: 7, customer_id: 'cus_1',
    items: [
      { id: 'ordli_a', title: 'Black', product_title: 'Desk organiser', variant_sku: 'DESK-ORG-01', quantity: 2 },
      { id: 'ordli_b', title: 'Figurine', variant_sku: 'FIG-1', quantity: 1, metadata: { printforge_scan_job_id: '2b1c3f2e-5d1a-4a53-9a3c-6d2f0c1e7a10' } },
      { id: 'ordli_c', title: 'Gift card', variant_sku: null, quantity: 1 },
      { id: 'ordli_d', title: 'Pen holder', variant_sku: 'PEN-1', quantity: { numeric: 3, raw: { value: '3', precision: 20 } } },
    ],
  })
  assert.deepEqual(body, {
    externalId: 'order_1', displayId: '7', customerId: 'cus_1',
    items: [
      { externalId: 'ordli_a', kind: 'product', productRef: 'DESK-ORG-01', title: 'Desk organiser — Black', quantity: 2 },
      { externalId: 'ordli_b', kind: 'scan', scanJobId: '2b1c3f2e-5d1a-4a53-9a3c-6d2f0c1e7a10', title: 'Figurine', quantity: 1 },
      { externalId: 'ordli_d', kind: 'product', productRef: 'PEN-1', title: 'Pen holder', quantity: 3 },
    ],
  })
  assert.equal(toPrintForgeOrder({ id: 'order_2', customer_id: 'cus_1', items: [{ id: 'x', title: 'Gift card', quantity: 1 }] }), null, 'nothing printed: nothing sent')
})

test('options: the key only over https (http only to this machine), well-formed credentials, and the error never shows them', () => {
  assert.equal(parseOptions(valid).reconcileIntervalMinutes, 15)
  assert.equal(parseOptions({ ...valid, printforgeUrl: 'http://127.0.0.1:3000' }).printforgeUrl.port, '3000')
  for (const [change, message] of [
    [{ printforgeUrl: 'http://api.printforge.example' }, /https/],
    [{ printforgeUrl: 'https://user:pw@api.printforge.example' }, /credentials/],
    [{ apiKey: 'sk_live_nope' }, /apiKey/],
    [{ apiKey: undefined }, /apiKey/],
    [{ webhookSecret: 'hunter2' }, /webhookSecret/],
    [{ reconcileIntervalMinutes: -1 }, /reconcileIntervalMinutes/],
  ] as const) {
    assert.throws(() => parseOptions({ ...valid, ...change }), (err: Error) => {
      assert.match(err.message, message)
      assert.ok(!err.message.includes('sk_live_nope') && !err.message.includes('hunter2'), 'no credential in the message')
      return true
    })
  }
})

test('webhooks: signed and fresh verifies; unsigned, another secret, tampered or stale is refused', () => {
  const body = JSON.stringify({ type: 'order.status_changed', timestamp: new Date().toISOString(), data: { externalId: 'order_1', status: 'completed' } })
  const headers = (secret: string, at: Date, payload = body) => {
    const id = 'msg_1'
    return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, payload) }
  }
  assert.equal(verifyWebhook(SECRET, Buffer.from(body), headers(SECRET, new Date())).data['status'], 'completed')
  const other = `whsec_${Buffer.from('another secret of thirty-two b!!').toString('base64')}`
  for (const [raw, h] of [
    [Buffer.from(body), {}],
    [Buffer.from(body), headers(other, new Date())],
    [Buffer.from(body.replace('completed', 'failed')), headers(SECRET, new Date())],
    [Buffer.from(body), headers(SECRET, new Date(Date.now() - 6 * 60_000))],
    [Buffer.from(body), headers(SECRET, new Date(Date.now() + 6 * 60_000))],
    [undefined, headers(SECRET, new Date())],
  ] as const) {
    assert.throws(() => verifyWebhook(SECRET, raw, h), WebhookRejected)
  }
})
