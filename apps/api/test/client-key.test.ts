// IP keys of the rate limits and the failed-authentication budget: an IPv6 client is its /64
// however it spells its address; an IPv4-mapped address is its IPv4 client; odd input never throws.
import assert from 'node:assert/strict'
import { BlockList } from 'node:net'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { ipKey } from '../src/lib/client-key.ts'

type Groups = number[] // eight 16-bit groups

/** One of the many legal spellings of an IPv6 address, chosen by `style`. */
function spell(groups: Groups, style: { pad: boolean; upper: boolean; compress: number; v4Tail: boolean }): string {
  const hex = (g: number) => {
    const h = g.toString(16)
    return (style.pad ? h.padStart(4, '0') : h)[style.upper ? 'toUpperCase' : 'toLowerCase']()
  }
  const parts = groups.slice(0, style.v4Tail ? 6 : 8).map(hex)
  const v4 = style.v4Tail ? [`${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`] : []
  // Zero runs that `::` may stand for; `compress` picks one of them (or none).
  const runs: Array<[number, number]> = []
  for (let i = 0; i < parts.length; i++) {
    if (groups[i] !== 0) continue
    let j = i
    while (j < parts.length && groups[j] === 0) j++
    runs.push([i, j])
    i = j
  }
  const run = runs.length ? runs[style.compress % (runs.length + 1)] : undefined
  if (!run) return [...parts, ...v4].join(':')
  const head = parts.slice(0, run[0]).join(':')
  const tail = [...parts.slice(run[1]), ...v4].join(':')
  return `${head}::${tail}`
}

const group = fc.integer({ min: 0, max: 0xffff })
const groups = (n: number) => fc.array(fc.oneof(group, fc.constant(0)), { minLength: n, maxLength: n })
const style = fc.record({ pad: fc.boolean(), upper: fc.boolean(), compress: fc.nat(8), v4Tail: fc.boolean() })
/** IPv4-mapped addresses are keyed as IPv4, so the /64 properties leave them out. */
const mapped = (g: Groups) => g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff

/** Node's own answer to "is b in a's /64?", independent of the code under test. */
function sameSlash64(a: string, b: string): boolean {
  const list = new BlockList()
  list.addSubnet(a, 64, 'ipv6')
  return list.check(b, 'ipv6')
}

describe('ipKey', () => {
  test('spellings of one /64 share a key; another /64 does not', () => {
    const key = '2001:db8:0:0::/64'
    for (const ip of [
      '2001:db8::1', '2001:0db8:0000:0000:ffff::2', '2001:DB8::ABCD', '2001:db8:0:0:1:2:3:4',
      '2001:db8:0:0::', '2001:db8::', '2001:db8::ffff:1.2.3.4', '2001:0DB8:0:0:0:0:0:1', '2001:db8::1%eth0',
    ]) assert.equal(ipKey(ip), key, ip)
    // The old text-based key split these two (head groups "2001:db8:1" vs "2001:db8:1:0").
    assert.equal(ipKey('2001:db8:1::2'), ipKey('2001:db8:1:0::5'))
    assert.notEqual(ipKey('2001:db8:0:1::1'), key)
    assert.notEqual(ipKey('2001:db9::1'), key)
    assert.equal(ipKey('::1'), '0:0:0:0::/64')
    assert.equal(ipKey('fe80::1%eth0'), ipKey('FE80::2'))
  })

  test('an IPv4-mapped IPv6 address is its IPv4 address; IPv4 is kept as is', () => {
    for (const ip of ['::ffff:1.2.3.4', '::FFFF:1.2.3.4', '::ffff:102:304', '0:0:0:0:0:ffff:1.2.3.4', '0000:0000:0000:0000:0000:FFFF:0102:0304']) {
      assert.equal(ipKey(ip), '1.2.3.4', ip)
    }
    assert.equal(ipKey('1.2.3.4'), '1.2.3.4')
    assert.equal(ipKey('::ffff:10.0.0.1'), ipKey('10.0.0.1'))
    // An IPv4-compatible or NAT64 address is an IPv6 address, not a way to pose as an IPv4 one.
    assert.equal(ipKey('::1.2.3.4'), '0:0:0:0::/64')
    assert.equal(ipKey('64:ff9b::1.2.3.4'), '64:ff9b:0:0::/64')
  })

  test('odd input never throws: it is keyed by its first characters, marked as not an address', () => {
    const long = 'x'.repeat(100_000)
    for (const odd of ['', 'garbage', long, '1::2::3', '2001:db8::/64', '01.2.3.4', '::ffff:01.2.3.4', '1:2:3:4:5:6:7:8:9', ' ::1', 'fe80::1%']) {
      const key = ipKey(odd)
      assert.ok(key.startsWith('raw:') && key.length <= 68, `${odd.slice(0, 20)} → ${key.slice(0, 80)}`)
    }
    // A crafted string cannot take over a real client's key.
    assert.notEqual(ipKey('2001:db8:0:0::/64'), ipKey('2001:db8::1'))
    assert.equal(ipKey(undefined as unknown as string), 'raw:undefined')
  })

  test('property: any two spellings of addresses in one /64 share a key, of different /64s never', () => {
    const prefixed = fc.tuple(groups(4), groups(4), groups(4), style, style).filter(([p, a, b]) => !mapped([...p, ...a]) && !mapped([...p, ...b]))
    fc.assert(
      fc.property(prefixed, ([prefix, a, b, sa, sb]) => {
        const x = spell([...prefix, ...a], sa)
        const y = spell([...prefix, ...b], sb)
        assert.ok(sameSlash64(x, y), `${x} / ${y}: the oracle disagrees with the generator`)
        assert.equal(ipKey(x), ipKey(y), `${x} / ${y}`)
      }),
      { numRuns: 2000 },
    )
    const apart = fc.tuple(groups(8), groups(8), style, style).filter(([a, b]) => !mapped(a) && !mapped(b))
    fc.assert(
      fc.property(apart, ([a, b, sa, sb]) => {
        const x = spell(a, sa)
        const y = spell(b, sb)
        assert.equal(ipKey(x) === ipKey(y), sameSlash64(x, y), `${x} / ${y}`)
      }),
      { numRuns: 2000 },
    )
  })

  test('property: the key of any spelling is what the canonical spelling gives', () => {
    fc.assert(
      fc.property(groups(8), style, (g, s) => {
        const canonical = spell(g, { pad: false, upper: false, compress: 0, v4Tail: false })
        assert.equal(ipKey(spell(g, s)), ipKey(canonical))
      }),
      { numRuns: 2000 },
    )
  })
})
