// The state tables are the one place a job's life is written down: these checks keep them whole
// (every state reachable, terminal states final, every active state can fail and be cancelled)
// and keep them in step with the database enums.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManufacturingStatus, ScanJobStatus } from '@printforge/db'
import {
  canMove, canMoveScan, dispatchStep, PRINT_ACTIVE, PRINT_CANCELLABLE, PRINT_DISPATCHING, PRINT_HOLDING_PRINTER, PRINT_INITIAL, PRINT_MOVES,
  PRINT_STATUSES, PRINT_TERMINAL, PRINT_TRANSITIONS, SCAN_ACTIVE, SCAN_CANCELLABLE, SCAN_INITIAL, SCAN_STATUSES, SCAN_TERMINAL, SCAN_TRANSITIONS,
} from '../src/index.ts'

/** States reachable from `start` through `table`. */
function reachable<S extends string>(table: Readonly<Record<S, readonly S[]>>, start: S): Set<S> {
  const seen = new Set<S>([start])
  for (const queue = [start]; queue.length > 0; ) {
    for (const next of table[queue.shift() as S]) {
      if (seen.has(next)) continue
      seen.add(next)
      queue.push(next)
    }
  }
  return seen
}

describe('print job states (packages/domain/src/manufacturing/states.ts)', () => {
  test('the table covers exactly the database enum', () => {
    assert.deepEqual([...PRINT_STATUSES].sort(), Object.values(ManufacturingStatus).sort())
    assert.deepEqual(Object.keys(PRINT_TRANSITIONS).sort(), [...PRINT_STATUSES].sort())
  })

  test('every state is reachable from the initial one; terminal states are final', () => {
    assert.deepEqual([...reachable(PRINT_TRANSITIONS, PRINT_INITIAL)].sort(), [...PRINT_STATUSES].sort())
    assert.deepEqual([...PRINT_TERMINAL].sort(), ['cancelled', 'completed', 'failed'])
    for (const s of PRINT_TERMINAL) assert.deepEqual(PRINT_TRANSITIONS[s], [], s)
  })

  test('every active state can fail and be cancelled', () => {
    for (const s of PRINT_ACTIVE) {
      assert.ok(canMove(s, 'failed'), `${s} → failed`)
      assert.ok(canMove(s, 'cancelled'), `${s} → cancelled`)
    }
    assert.deepEqual([...PRINT_CANCELLABLE].sort(), [...PRINT_ACTIVE].sort())
  })

  test('named moves only use states of the table, and the derived sets agree with them', () => {
    for (const [name, move] of Object.entries(PRINT_MOVES)) {
      for (const from of move.from) assert.ok(canMove(from, move.to), `${name}: ${from} → ${move.to}`)
    }
    assert.ok(PRINT_HOLDING_PRINTER.every((s) => PRINT_ACTIVE.includes(s)) && !PRINT_HOLDING_PRINTER.includes(PRINT_INITIAL))
    assert.deepEqual(PRINT_DISPATCHING.filter((s) => dispatchStep(s) === 'none'), [], 'the sweeper re-enqueues only states a dispatch attempt acts on')
    assert.deepEqual(PRINT_TERMINAL.map(dispatchStep), PRINT_TERMINAL.map(() => 'none'))
  })
})

describe('scan job states (packages/domain/src/scans/states.ts)', () => {
  test('the table covers exactly the database enum; every state is reachable; terminal states are final', () => {
    assert.deepEqual([...SCAN_STATUSES].sort(), Object.values(ScanJobStatus).sort())
    assert.deepEqual([...reachable(SCAN_TRANSITIONS, SCAN_INITIAL)].sort(), [...SCAN_STATUSES].sort())
    assert.deepEqual([...SCAN_TERMINAL].sort(), ['cancelled', 'failed', 'stored'])
    for (const s of SCAN_ACTIVE) assert.ok(canMoveScan(s, 'failed') && canMoveScan(s, 'cancelled'), s)
    assert.deepEqual([...SCAN_CANCELLABLE].sort(), [...SCAN_ACTIVE].sort())
  })
})
