// Property-based fuzzing of the filament metadata parsers (src/filaments/needs.ts): the texts come
// from an uploaded archive. Whatever comes in, filamentNeeds returns a well-formed answer or throws
// a 400 AppError — nothing else — and planFilaments answers for any trays. Seeded: a failure
// prints its seed and path, and re-runs the same way.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { AppError } from '@printforge/errors'
import { filamentNeeds, MAX_FILAMENT_SLOTS, planFilaments, type FilamentNeeds } from '../src/index.ts'

const SEED = 0xf11a
const RUNS = 5_000

const VALID = `<?xml version="1.0"?><config><plate><metadata key="index" value="1"/>
<filament id="1" type="PLA" color="#FFFFFF" used_g="2"/><filament id="2" type="PETG" color="#C12E1FFF" used_g="1"/></plate></config>`
const SETTINGS = JSON.stringify({ filament_type: ['PLA', 'PETG', 'PLA'], filament_colour: ['#FFFFFF', '#C12E1F', '#000000'] })

/** filamentNeeds, with a 400 AppError mapped to 'refused' and anything else thrown on. */
function needs(sliceInfo: string | null, settings: string | null, plate = 1): FilamentNeeds | null | 'refused' {
  try {
    return filamentNeeds(sliceInfo, settings, plate)
  } catch (err) {
    if (err instanceof AppError && err.status === 400) return 'refused'
    throw err
  }
}

function assertWellFormed(out: FilamentNeeds | null | 'refused'): void {
  if (out === null || out === 'refused') return
  assert.ok(Number.isInteger(out.slots) && out.slots >= 1 && out.slots <= MAX_FILAMENT_SLOTS)
  const slots = new Set<number>()
  for (const f of out.filaments) {
    assert.ok(Number.isInteger(f.slot) && f.slot >= 1 && f.slot <= out.slots, `slot ${f.slot} of ${out.slots}`)
    assert.ok(!slots.has(f.slot))
    slots.add(f.slot)
    assert.match(f.color, /^[0-9A-F]{6}$/)
    assert.match(f.type, /^[A-Za-z0-9][A-Za-z0-9+_. -]{0,31}$/)
  }
}

/** The valid text with characters replaced, inserted and removed at random places. */
const mutated = (base: string) => fc.array(fc.tuple(fc.nat({ max: base.length }), fc.nat({ max: 8 }), fc.string({ maxLength: 12 })), { minLength: 1, maxLength: 6 })
  .map((edits) => edits.reduce((s, [at, cut, insert]) => s.slice(0, at) + insert + s.slice(at + cut), base))

describe('filament metadata parsers under fuzzing', () => {
  test('arbitrary text: a well-formed answer or a 400', () => {
    fc.assert(fc.property(fc.option(fc.string({ maxLength: 400 })), fc.option(fc.string({ maxLength: 200 })), fc.integer({ min: 1, max: 64 }), (x, s, plate) => {
      assertWellFormed(needs(x, s, plate))
    }), { seed: SEED, numRuns: RUNS })
  })

  test('mutated real metadata: a well-formed answer or a 400', () => {
    fc.assert(fc.property(mutated(VALID), fc.option(mutated(SETTINGS)), (x, s) => assertWellFormed(needs(x, s))), { seed: SEED, numRuns: RUNS })
  })

  test('XML-shaped text built from the grammar: a well-formed answer or a 400', () => {
    const attr = fc.tuple(fc.constantFrom('id', 'type', 'color', 'key', 'value', 'used_g', 'x'), fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('1', '2', '33', 'index', 'PLA', '#FFFFFF', '#ffffff00', '0')))
    const tag = fc.tuple(fc.constantFrom('plate', '/plate', 'metadata', 'filament', 'config', '?xml'), fc.array(attr, { maxLength: 4 }), fc.boolean())
      .map(([name, attrs, selfClose]) => `<${name}${attrs.map(([k, v]) => ` ${k}="${v}"`).join('')}${selfClose ? '/' : ''}>`)
    fc.assert(fc.property(fc.array(tag, { maxLength: 30 }).map((t) => t.join('\n')), fc.integer({ min: 1, max: 3 }), (x, plate) => assertWellFormed(needs(x, SETTINGS, plate))), { seed: SEED, numRuns: RUNS })
  })

  test('any trays: planFilaments answers with one mapping entry per slot, or the slots it misses', () => {
    const trays = fc.array(fc.record({
      amsId: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(128), fc.constant(255)), trayId: fc.integer({ min: 0, max: 3 }),
      type: fc.option(fc.constantFrom('PLA', 'pla', 'PETG', '')), color: fc.option(fc.oneof(fc.constantFrom('FFFFFFFF', 'C12E1FFF', 'zz'), fc.string({ maxLength: 8 }))),
      remain: fc.option(fc.integer({ min: -1, max: 100 })), external: fc.boolean(),
    }), { maxLength: 20 })
    const parsed = needs(VALID, SETTINGS) as FilamentNeeds
    fc.assert(fc.property(trays, (loaded) => {
      const plan = planFilaments(parsed, loaded)
      if (!plan.ok) return assert.ok(plan.missing.length > 0)
      assert.equal(plan.amsMapping.length, parsed.slots)
      assert.equal(plan.amsMapping2.length, parsed.slots)
      assert.equal(plan.amsMapping[2], -1, 'the unused slot')
    }), { seed: SEED, numRuns: RUNS })
  })
})
