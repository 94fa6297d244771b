// The scope and event-type lists exist twice — in TypeScript for the API's validation and in the
// migration's CHECK constraints for the database's. This keeps the two from drifting apart.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { OrderStatus } from '@printforge/db'
import { API_KEY_SCOPES, canMoveOrder, isOrderFinal, ORDER_STATUSES, WEBHOOK_EVENT_TYPES } from '../src/index.ts'

const migration = readFileSync(new URL('../../../prisma/migrations/20261203080000_integrations/migration.sql', import.meta.url), 'utf8')

function checkedList(constraint: string): string[] {
  const start = migration.indexOf(`ADD CONSTRAINT ${constraint}`)
  assert.ok(start >= 0, `constraint ${constraint} not found`)
  const array = /ARRAY\[([^\]]*)\]/.exec(migration.slice(start))
  assert.ok(array, `no ARRAY[…] in ${constraint}`)
  return [...array[1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!)
}

test('the database accepts exactly the API key scopes the API knows', () => {
  assert.deepEqual(checkedList('api_keys_scopes_known').sort(), [...API_KEY_SCOPES].sort())
})

test('the database accepts exactly the webhook event types the platform emits', () => {
  assert.deepEqual(checkedList('webhook_endpoints_events_known').sort(), [...WEBHOOK_EVENT_TYPES].sort())
})

test("the order states are the database enum's, and every non-final state can still end", () => {
  assert.deepEqual([...ORDER_STATUSES].sort(), Object.values(OrderStatus).sort())
  for (const status of ORDER_STATUSES) {
    if (isOrderFinal(status)) continue
    assert.ok(ORDER_STATUSES.some((to) => isOrderFinal(to) && canMoveOrder(status, to)), `${status} cannot reach an end`)
  }
  assert.equal(canMoveOrder('rejected', 'approved'), false)
  assert.equal(canMoveOrder('completed', 'failed'), false)
})
