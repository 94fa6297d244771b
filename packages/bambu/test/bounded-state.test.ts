// The merged state cannot grow without limit: keys per object, nesting, array lengths, string
// lengths and total size are capped; what is over is dropped and counted, the rest still merges.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { BoundedState, jsonLength, type StateLimits } from '../src/bounded-state.ts'
import { isObject, type JsonObject } from '../src/merge.ts'
import { assertWithin } from './helpers.ts'

const small: StateLimits = { maxKeys: 4, maxDepth: 3, maxArrayLength: 3, maxStringLength: 10, maxTotalLength: 10_000 }
const keys = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]))

describe('BoundedState', () => {
  test('keys per object: new keys past the cap are dropped and counted; existing keys still update', () => {
    const s = new BoundedState(small)
    s.merge(keys(6))
    assert.deepEqual(Object.keys(s.root), ['k0', 'k1', 'k2', 'k3'])
    assert.equal(s.dropped, 2)
    s.merge({ k0: 'new', k9: 9, nested: keys(10) })
    assert.equal(s.root.k0, 'new')
    assert.equal(s.root.k9, undefined)
    s.merge({ k1: keys(10) })
    assert.equal(Object.keys(s.root.k1 as JsonObject).length, 4)
  })

  test('nesting: containers deeper than the cap are dropped, from new values and from merges', () => {
    const s = new BoundedState(small)
    s.merge({ a: { b: { c: { d: { e: 1 } }, keep: 1 } } })
    assert.deepEqual(JSON.parse(JSON.stringify(s.root)), { a: { b: { c: {}, keep: 1 } } })
    s.merge({ a: { b: { c: { x: [1], y: 2 } } } })
    assert.deepEqual(JSON.parse(JSON.stringify(s.root)), { a: { b: { c: { y: 2 }, keep: 1 } } })
    assert.equal(s.dropped, 2)
  })

  test('arrays are cut to the cap; strings and keys over the cap are dropped', () => {
    const s = new BoundedState(small)
    s.merge({ arr: [1, 2, 3, 4, 5], str: 'short' })
    assert.deepEqual(s.root.arr, [1, 2, 3])
    s.merge({ str: 'x'.repeat(11), ['k'.repeat(11)]: 1, list: ['ok', 'y'.repeat(11)] })
    assert.equal(s.root.str, 'short')
    assert.deepEqual(s.root.list, ['ok'])
    assert.equal(s.dropped, 2 + 3)
  })

  test('total size: new keys stop at seven eighths of the budget, existing fields keep the rest', () => {
    const limits = { ...small, maxKeys: 10_000, maxTotalLength: 2_000 }
    const s = new BoundedState(limits)
    s.merge({ state: 'IDLE' })
    for (let i = 0; i < 200; i++) s.merge({ [`junk${i}`]: 'v'.repeat(10) })
    assert.ok(s.dropped > 100)
    assert.ok(s.length <= 1_750, String(s.length))
    s.merge({ state: 'x'.repeat(10) })
    assert.equal(s.root.state, 'x'.repeat(10), 'an existing field still updates near the cap')
    assert.equal(s.length, jsonLength(s.root))
    assert.ok(JSON.stringify(s.root).length <= limits.maxTotalLength)
  })

  test('prototype keys are never copied, objects stay prototype-free', () => {
    const s = new BoundedState(small)
    s.merge(JSON.parse('{"__proto__":{"polluted":true},"a":{"constructor":{"x":1}},"l":[{"__proto__":{"p":1}}]}') as JsonObject)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assertWithin(s.root, small)
    assert.deepEqual(JSON.parse(JSON.stringify(s.root)), { a: {}, l: [{}] })
  })

  test('property: after any reports the bounds hold and the tracked size is exact', () => {
    const limits: StateLimits = { maxKeys: 6, maxDepth: 3, maxArrayLength: 4, maxStringLength: 12, maxTotalLength: 600 }
    const report = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', '__proto__', 'x'.repeat(13)), fc.jsonValue({ maxDepth: 5 }), { maxKeys: 8 })
    fc.assert(
      fc.property(fc.array(report, { maxLength: 25 }), (reports) => {
        const s = new BoundedState(limits)
        for (const r of reports) if (isObject(r)) s.merge(r)
        assertWithin(s.root, limits)
        assert.equal(s.length, jsonLength(s.root))
        assert.ok(JSON.stringify(s.root).length <= limits.maxTotalLength)
      }),
      { numRuns: 500 },
    )
  })
})
