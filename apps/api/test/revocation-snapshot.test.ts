import assert from 'node:assert/strict'
import { test } from 'node:test'
import { revokeTokens, withTx } from '@printforge/db'
import type pg from 'pg'
import { createRevocationSnapshot } from '../src/lib/revocation-snapshot.ts'
import { randomId, useApi } from './helper.ts'

const api = useApi()
const quiet = { warn: () => {} }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

test('the snapshot syncs changes, never moves a cut-off back, and answers "unknown" (look it up) once it is stale', async () => {
  const real = api.app.db.pool
  let down = false
  // The snapshot uses the pool only to check a connection out: failing that is the database gone.
  const pool = { connect: () => (down ? Promise.reject(new Error('database down')) : real.connect()) } as unknown as pg.Pool
  const snapshot = createRevocationSnapshot(pool, 100, quiet)
  try {
    await snapshot.ready
    const id = randomId('cus')
    assert.equal(snapshot.cutOffOf('customer', id), null)
    const cutOff = await withTx(api.db, { actorId: 'ops:test', role: 'system' }, (tx) => revokeTokens(tx, { target: { actorType: 'customer', actorId: id }, by: { actorType: 'system', actorId: 'ops:test' }, reason: 'test' }))
    await sleep(300)
    assert.equal(snapshot.cutOffOf('customer', id), Math.floor(cutOff.getTime() / 1000))
    assert.equal(snapshot.cutOffOf('user', id), null, 'per actor type')
    snapshot.note('customer', id, new Date(0))
    assert.equal(snapshot.cutOffOf('customer', id), Math.floor(cutOff.getTime() / 1000), 'never moved back')
    down = true
    await sleep(450)
    assert.equal(snapshot.cutOffOf('customer', id), undefined, 'stale after three missed syncs: callers look the actor up')
    down = false
    await sleep(300)
    assert.equal(snapshot.cutOffOf('customer', id), Math.floor(cutOff.getTime() / 1000))
  } finally {
    snapshot.close()
  }
})
