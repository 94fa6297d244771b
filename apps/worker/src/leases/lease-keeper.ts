// This process's printer leases (docs/architecture.md, "Printer leases"). Every tick it heartbeats
// its membership, plans which printers each live member should hold (planLeases), gives back the
// ones planned elsewhere, renews the ones it keeps and takes the free ones planned for it. The
// PrinterManager keeps a session only for printers this keeper holds.
//
// A lease also has a local deadline, measured on this process's monotonic clock from before the
// statement that granted it: a process that was paused (SIGSTOP, a long GC, a frozen VM) or cut off
// from PostgreSQL sees its deadline passed on its first instruction back and stops acting for those
// printers before it asks the database anything. The database's own check (assertLease) still
// guards every decision to send a command.
import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import { SYSTEM_CONTEXT, withTx, writeAudit, type Db } from '@printforge/db'
import { SYSTEM_ACTOR, acquireLeases, assertLease, forgetSilentMembers, heartbeat, leave, planLeases, registeredPrinterIds, releaseLeases, renewLeases, LeaseLostError, type HeldLease, type WorkerIdentity } from '@printforge/domain'
import type { Logger } from '@printforge/logger'
import type { Tx } from '@printforge/db'

export interface LeaseTiming {
  /** How long a granted or renewed lease lasts without renewal (failover takes about this long). */
  ttlMs: number
  /** How often leases are renewed and the plan recomputed. */
  tickMs: number
  /** A member whose heartbeat is older than this is left out of the plan. */
  memberTtlMs: number
  /**
   * How long a starting member waits for peers started with it before its first plan: processes
   * started together by one orchestrator register within a fraction of a second of each other
   * (0.3 s apart in the fleet soak).
   */
  joinMs: number
}

/**
 * From the lease's lifetime: renewed every ttl/7.5 (2 s of 15 s, so a lease survives several
 * failed rounds), a member silent for three rounds is planned out, and a starting member waits a
 * second (at most a round) for its peers.
 */
export function leaseTiming(ttlMs = 15_000): LeaseTiming {
  const tickMs = Math.round(ttlMs / 7.5)
  return { ttlMs, tickMs, memberTtlMs: tickMs * 3, joinMs: Math.min(tickMs, 1_000) }
}

/** Local deadlines end this much before the database's expiry: clocks tick at slightly different rates. */
const SAFETY_MS = 1_000

interface Held {
  fence: bigint
  /** performance.now() after which this process must not act for the printer. */
  validUntil: number
}

export interface LeaseKeeperOptions {
  db: Db
  log: Logger
  identity: WorkerIdentity
  timing: LeaseTiming
  /** Brings the sessions in line with holds(): resolves once sessions of released printers are closed. */
  apply: () => Promise<void>
}

export interface LeaseKeeperEvents {
  /** The set of held printers changed. */
  changed: []
}

export class LeaseKeeper extends EventEmitter<LeaseKeeperEvents> {
  private readonly held = new Map<string, Held>()
  /** The last round's plan: printer id → member id. */
  private plan = new Map<string, string>()
  private timer: NodeJS.Timeout | null = null
  private ticking: Promise<void> | null = null
  private closed = false
  private ticks = 0

  constructor(private readonly o: LeaseKeeperOptions) {
    super()
  }

  get memberId(): string {
    return this.o.identity.id
  }

  /** True while this process holds the printer's lease and its local deadline has not passed. */
  holds(printerId: string): boolean {
    const lease = this.held.get(printerId)
    return lease !== undefined && performance.now() < lease.validUntil
  }

  /** True when the last plan gave the printer to this process, or the printer is newer than that plan. */
  mayBeMine(printerId: string): boolean {
    const planned = this.plan.get(printerId)
    return planned === undefined || planned === this.memberId
  }

  heldIds(): string[] {
    return [...this.held.keys()].filter((id) => this.holds(id))
  }

  /**
   * The fencing check for a decision to send a command to `printerId`, run inside the deciding
   * transaction. Throws LeaseLostError when this process does not hold the lease (here or in the
   * database).
   */
  async assertHeld(tx: Tx, printerId: string): Promise<void> {
    const lease = this.held.get(printerId)
    if (!lease || !this.holds(printerId)) throw new LeaseLostError(printerId)
    await assertLease(tx, printerId, this.memberId, lease.fence)
  }

  /** The same check without a transaction, just before bytes go to the printer. */
  assertHeldLocally(printerId: string): void {
    if (!this.holds(printerId)) throw new LeaseLostError(printerId)
  }

  async start(): Promise<void> {
    // Workers started together (a deploy, a host's reboot) would each plan alone: the first to
    // register would take every printer and hand two thirds back a round later, each of those
    // printers connecting twice. As Kafka's group.initial.rebalance.delay.ms does: register, give
    // the others a moment to register too, then plan with all of them. A member slower than that
    // is rebalanced in as any joining member is.
    await withTx(this.o.db, SYSTEM_CONTEXT, (tx) => heartbeat(tx, this.o.identity, this.o.timing.memberTtlMs)).catch((err: Error) =>
      this.o.log.warn({ err: err.message }, 'could not register as a printer lease member; retrying with the first round'),
    )
    // Shorter than a membership's lifetime, or the peers that registered first would be planned out.
    await new Promise((resolve) => setTimeout(resolve, Math.min(this.o.timing.joinMs, this.o.timing.memberTtlMs / 2)))
    await this.tick()
    this.timer = setInterval(() => void this.tick(), this.o.timing.tickMs)
    this.timer.unref()
  }

  /** One round now; concurrent callers share the running one. */
  tick(): Promise<void> {
    this.ticking ??= this.round()
      .catch((err: Error) => this.o.log.warn({ err: err.message }, 'printer lease round failed; leases are kept until their deadline'))
      .finally(() => (this.ticking = null))
    return this.ticking
  }

  private async round(): Promise<void> {
    if (this.closed) return
    // First: whatever passed its deadline while this process was not running is let go at once.
    const expired = [...this.held].filter(([, lease]) => performance.now() >= lease.validUntil).map(([id]) => id)
    if (expired.length > 0) {
      for (const id of expired) this.held.delete(id)
      this.o.log.warn({ printers: expired.length, memberId: this.memberId }, 'printer leases passed their deadline without renewal (process paused or database unreachable); closing their sessions')
      await this.changed()
    }
    const { ttlMs, memberTtlMs } = this.o.timing
    const { members, printers } = await withTx(this.o.db, SYSTEM_CONTEXT, async (tx) => {
      const members = await heartbeat(tx, this.o.identity, memberTtlMs)
      if (++this.ticks % 300 === 1) await forgetSilentMembers(tx)
      return { members, printers: await registeredPrinterIds(tx) }
    })
    if (this.closed) return
    const plan = planLeases(printers, members.includes(this.memberId) ? members : [...members, this.memberId])
    this.plan = plan
    const mine = new Set(printers.filter((id) => plan.get(id) === this.memberId))

    const giveBack = [...this.held.keys()].filter((id) => !mine.has(id))
    if (giveBack.length > 0) await this.release(giveBack, 'rebalanced')

    const keep = [...this.held].filter(([id]) => mine.has(id)).map(([printerId, { fence }]) => ({ printerId, fence }))
    if (keep.length > 0) {
      const asked = performance.now()
      const renewed = await withTx(this.o.db, SYSTEM_CONTEXT, (tx) => renewLeases(tx, this.memberId, keep, ttlMs))
      const still = new Set(renewed.map((l) => l.printerId))
      for (const l of renewed) this.grant(l, asked)
      const lost = keep.filter((l) => !still.has(l.printerId)).map((l) => l.printerId)
      if (lost.length > 0) {
        for (const id of lost) this.held.delete(id)
        this.o.log.warn({ printers: lost, memberId: this.memberId }, 'printer leases lost (expired or taken over); closing their sessions')
        await this.changed()
      }
    }

    const wanted = [...mine].filter((id) => !this.held.has(id))
    if (wanted.length > 0) {
      const asked = performance.now()
      const granted = await withTx(this.o.db, SYSTEM_CONTEXT, async (tx) => {
        const leases = await acquireLeases(tx, this.memberId, wanted, ttlMs)
        if (leases.length > 0) await this.audit(tx, 'printer.leased', { printers: leases.map((l) => ({ printerId: l.printerId, fence: l.fence.toString() })) })
        return leases
      })
      if (this.closed) return
      for (const l of granted) this.grant(l, asked)
      if (granted.length > 0) {
        this.o.log.info({ printers: granted.length, memberId: this.memberId, members: members.length }, 'printer leases acquired')
        await this.changed()
      }
    }
  }

  private grant(lease: HeldLease, asked: number): void {
    this.held.set(lease.printerId, { fence: lease.fence, validUntil: asked + this.o.timing.ttlMs - SAFETY_MS })
  }

  /** Closes the sessions first, then gives the leases back: never two sessions for one printer. */
  private async release(printerIds: string[], reason: string): Promise<void> {
    for (const id of printerIds) this.held.delete(id)
    await this.changed()
    await withTx(this.o.db, SYSTEM_CONTEXT, async (tx) => {
      const released = await releaseLeases(tx, this.memberId, printerIds)
      if (released.length > 0) await this.audit(tx, 'printer.released', { reason, printers: released })
    })
    this.o.log.info({ printers: printerIds.length, memberId: this.memberId, reason }, 'printer leases released')
  }

  private async changed(): Promise<void> {
    this.emit('changed')
    await this.o.apply()
  }

  private audit(tx: Tx, action: 'printer.leased' | 'printer.released', details: Record<string, unknown>): Promise<void> {
    const { id, host, pid } = this.o.identity
    return writeAudit(tx, { ...SYSTEM_ACTOR, action, targetType: 'worker_member', targetId: id, details: { host, pid, ...details } })
  }

  /** Clean shutdown: sessions closed, leases and membership given back, so others take over at once. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    await this.ticking
    const ids = [...this.held.keys()]
    try {
      if (ids.length > 0) await this.release(ids, 'shutdown')
      await withTx(this.o.db, SYSTEM_CONTEXT, (tx) => leave(tx, this.memberId))
    } catch (err) {
      // Unreachable database: the leases expire on their own (ttl) and the others take over then.
      this.o.log.warn({ err: (err as Error).message }, 'could not give printer leases back at shutdown; they expire on their own')
    }
  }
}
