// planLeases: every printer gets exactly one live member, evenly, the same plan on every member,
// and a member leaving moves only the printers it had (plus the few an even share requires).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import { planLeases } from '../src/index.ts'

const ids = (n: number) => Array.from({ length: n }, () => randomUUID())
const loads = (plan: Map<string, string>) => {
  const count = new Map<string, number>()
  for (const member of plan.values()) count.set(member, (count.get(member) ?? 0) + 1)
  return count
}

test('60 printers over 3 members: 20 each; no member, no plan', () => {
  const members = ids(3)
  const plan = planLeases(ids(60), members)
  assert.equal(plan.size, 60)
  assert.deepEqual([...loads(plan).values()].sort(), [20, 20, 20])
  assert.equal(planLeases(ids(5), []).size, 0)
})

test('every printer planned once, on a listed member, none above an even share; the order of the lists does not matter', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.uuid(), { maxLength: 120 }), fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 9 }), (printers, members) => {
      const plan = planLeases(printers, members)
      assert.deepEqual([...plan.keys()].sort(), [...printers].sort())
      const cap = Math.ceil(printers.length / members.length)
      for (const [member, n] of loads(plan)) {
        assert.ok(members.includes(member))
        assert.ok(n <= cap, `${n} > ${cap}`)
      }
      assert.deepEqual(planLeases([...printers].reverse(), [...members].reverse()), plan)
    }),
    { numRuns: 200 },
  )
})

test('a member leaving: the printers of the others mostly stay where they are', () => {
  const printers = ids(60)
  const members = ids(3)
  const before = planLeases(printers, members)
  const after = planLeases(printers, members.slice(1))
  const kept = printers.filter((p) => before.get(p) !== members[0] && after.get(p) === before.get(p)).length
  // 40 printers were on the two survivors; an even share of 30 each lets at most a few move.
  assert.ok(kept >= 30, `only ${kept} of 40 stayed`)
  assert.deepEqual([...loads(after).values()].sort(), [30, 30])
})
