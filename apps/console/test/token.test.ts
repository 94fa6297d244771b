import assert from 'node:assert/strict'
import { test } from 'node:test'
import { tokenExpiry } from '../src/auth/token.ts'

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = (payload: unknown) => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}.signature`

test("the console reads a token's exp (seconds) as its expiry", () => {
  assert.deepEqual(tokenExpiry(jwt({ actor_id: 'user_1', exp: 1_900_000_000 })), new Date(1_900_000_000_000))
})

test('a payload with non-ASCII text still decodes', () => {
  assert.deepEqual(tokenExpiry(jwt({ name: 'Zoë ✓', exp: 2_000_000_001 })), new Date(2_000_000_001_000))
})

test('no readable exp: undefined (the API still refuses an expired token with 401)', () => {
  for (const token of ['', 'not-a-jwt', 'a.%%%.c', jwt({ exp: '1900000000' }), jwt({}), jwt(null), `a.${Buffer.from('nope').toString('base64url')}.c`]) {
    assert.equal(tokenExpiry(token), undefined, token)
  }
})
