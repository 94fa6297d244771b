// Which live worker should hold each printer's session (docs/architecture.md, "Printer leases").
// Rendezvous (highest-random-weight) hashing with bounded load: each printer ranks the members by
// a hash of the pair, and goes to the best-ranked one that is not yet full, where full is
// ceil(printers / members). Every member computes the same plan from the same two lists, no one
// coordinates; a member joining or leaving moves few printers (mostly the ones it gains or had),
// and no member ever holds more than one printer above an even share.
import { createHash } from 'node:crypto'

const weight = (printerId: string, memberId: string): bigint =>
  createHash('sha256').update(printerId).update('\0').update(memberId).digest().readBigUInt64BE(0)

/** printer id → member id, for every printer; empty when there is no member. */
export function planLeases(printerIds: readonly string[], memberIds: readonly string[]): Map<string, string> {
  const plan = new Map<string, string>()
  const members = [...new Set(memberIds)].sort()
  if (members.length === 0) return plan
  const printers = [...new Set(printerIds)].sort()
  const capacity = Math.ceil(printers.length / members.length)
  const load = new Map(members.map((m) => [m, 0]))
  for (const printerId of printers) {
    const ranked = members
      .map((memberId) => ({ memberId, w: weight(printerId, memberId) }))
      .sort((a, b) => (a.w === b.w ? a.memberId.localeCompare(b.memberId) : a.w > b.w ? -1 : 1))
    // capacity × members ≥ printers, so some member always has room.
    const chosen = ranked.find(({ memberId }) => (load.get(memberId) ?? 0) < capacity)!.memberId
    load.set(chosen, (load.get(chosen) ?? 0) + 1)
    plan.set(printerId, chosen)
  }
  return plan
}
