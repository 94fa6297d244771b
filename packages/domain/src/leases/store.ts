// The lease table's statements (docs/architecture.md, "Printer leases"). Time is the database's:
// every member compares expiries against the same clock, whatever its own says. All run under
// SYSTEM_CONTEXT (the worker); RLS lets no other context write these tables.
import type { Tx } from '@printforge/db'
import { storedTrays } from '../filaments/fit.js'
import { planFilaments } from '../filaments/match.js'
import type { FilamentNeeds } from '../filaments/needs.js'

export interface WorkerIdentity {
  /** Random per process start (a restarted process is a new member). */
  id: string
  host: string
  pid: number
}

export interface HeldLease {
  printerId: string
  /** Grows by one with every new holder: a command is decided only under the current one. */
  fence: bigint
}

/** Records that `me` is alive now; returns the ids of every member alive within `memberTtlMs`. */
export async function heartbeat(tx: Tx, me: WorkerIdentity, memberTtlMs: number): Promise<string[]> {
  await tx.$executeRaw`
    INSERT INTO worker_members (id, host, pid) VALUES (${me.id}::uuid, ${me.host.slice(0, 255)}, ${me.pid})
    ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text FROM worker_members WHERE heartbeat_at > now() - make_interval(secs => ${memberTtlMs / 1000})`
  return rows.map((r) => r.id)
}

/** Removes members silent for an hour (their leases expired long ago); keeps the table small. */
export async function forgetSilentMembers(tx: Tx): Promise<number> {
  return tx.$executeRaw`DELETE FROM worker_members WHERE heartbeat_at < now() - interval '1 hour'`
}

/** Leaves the membership at once (a clean shutdown): the others re-plan without waiting. */
export async function leave(tx: Tx, memberId: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM worker_members WHERE id = ${memberId}::uuid`
}

export async function registeredPrinterIds(tx: Tx): Promise<string[]> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id::text FROM printers`
  return rows.map((r) => r.id)
}

/**
 * Takes the leases among `printerIds` that nobody holds or whose holder let them expire, each with
 * a new fence. A printer held by a live holder is skipped (that holder releases it first), so two
 * members never both hold one. Printers deleted meanwhile are skipped.
 */
export async function acquireLeases(tx: Tx, memberId: string, printerIds: readonly string[], ttlMs: number): Promise<HeldLease[]> {
  if (printerIds.length === 0) return []
  const rows = await tx.$queryRaw<Array<{ printer_id: string; fence: bigint }>>`
    INSERT INTO printer_leases AS l (printer_id, holder, fence, expires_at, acquired_at)
    SELECT p.id, ${memberId}::uuid, 1, now() + make_interval(secs => ${ttlMs / 1000}), now()
      FROM printers p WHERE p.id = ANY(${[...printerIds]}::uuid[])
    ON CONFLICT (printer_id) DO UPDATE
       SET holder = EXCLUDED.holder, fence = l.fence + 1, expires_at = EXCLUDED.expires_at, acquired_at = EXCLUDED.acquired_at
     WHERE l.holder IS NULL OR l.expires_at <= now()
    RETURNING l.printer_id::text, l.fence`
  return rows.map((r) => ({ printerId: r.printer_id, fence: r.fence }))
}

/**
 * Extends the leases `memberId` still holds under the given fences and that have not expired; a
 * lease missing from the answer is lost (expired, taken over, or its printer deleted).
 */
export async function renewLeases(tx: Tx, memberId: string, held: readonly HeldLease[], ttlMs: number): Promise<HeldLease[]> {
  if (held.length === 0) return []
  const rows = await tx.$queryRaw<Array<{ printer_id: string; fence: bigint }>>`
    UPDATE printer_leases l SET expires_at = now() + make_interval(secs => ${ttlMs / 1000})
      FROM unnest(${held.map((h) => h.printerId)}::uuid[], ${held.map((h) => h.fence.toString())}::bigint[]) AS h(printer_id, fence)
     WHERE l.printer_id = h.printer_id AND l.fence = h.fence AND l.holder = ${memberId}::uuid AND l.expires_at > now()
    RETURNING l.printer_id::text, l.fence`
  return rows.map((r) => ({ printerId: r.printer_id, fence: r.fence }))
}

/** Gives leases back (after their sessions closed), so the planned holder may take them at once. */
export async function releaseLeases(tx: Tx, memberId: string, printerIds: readonly string[]): Promise<string[]> {
  if (printerIds.length === 0) return []
  const rows = await tx.$queryRaw<Array<{ printer_id: string }>>`
    UPDATE printer_leases SET holder = NULL, expires_at = now()
     WHERE holder = ${memberId}::uuid AND printer_id = ANY(${[...printerIds]}::uuid[])
    RETURNING printer_id::text`
  return rows.map((r) => r.printer_id)
}

/** Thrown where a command is decided by a process that no longer holds the printer's lease. */
export class LeaseLostError extends Error {
  constructor(readonly printerId: string) {
    super(`this worker no longer holds the lease of printer ${printerId}; nothing was sent`)
  }
}

/**
 * The fencing check, inside the transaction that decides to send a command: the lease must still
 * be `memberId`'s, under `fence`, unexpired. FOR SHARE holds a taker's UPDATE until this
 * transaction ends, so no one acquires the printer between this check and the decision's commit.
 */
export async function assertLease(tx: Tx, printerId: string, memberId: string, fence: bigint): Promise<void> {
  const rows = await tx.$queryRaw<Array<{ ok: number }>>`
    SELECT 1 AS ok FROM printer_leases
     WHERE printer_id = ${printerId}::uuid AND holder = ${memberId}::uuid AND fence = ${fence.toString()}::bigint
       AND expires_at > clock_timestamp()
       FOR SHARE`
  if (rows.length === 0) throw new LeaseLostError(printerId)
}

/**
 * Who holds the printer now (unexpired), for routing a command to its holder; null when the
 * printer is not registered (no one ever will).
 */
export async function currentHolder(tx: Tx, printerId: string): Promise<{ holder: string | null } | null> {
  const rows = await tx.$queryRaw<Array<{ holder: string | null }>>`
    SELECT l.holder::text AS holder FROM printers p
      LEFT JOIN printer_leases l ON l.printer_id = p.id AND l.holder IS NOT NULL AND l.expires_at > now()
     WHERE p.id = ${printerId}::uuid`
  return rows[0] ? { holder: rows[0].holder } : null
}

/**
 * Idle, online, control-enabled printers of `model` whose live lease another member holds and, for
 * a filament-aware job (`needs`), whose stored trays can print it: a model-M dispatch this member
 * cannot place is put back for them rather than failed.
 */
export async function idlePrintersHeldElsewhere(tx: Tx, model: string, memberId: string, idleStates: readonly string[], needs: FilamentNeeds | null = null): Promise<number> {
  const rows = await tx.$queryRaw<Array<{ ams: unknown }>>`
    SELECT s.ams FROM printers p
      JOIN printer_status s ON s.printer_id = p.id
      JOIN printer_leases l ON l.printer_id = p.id
     WHERE p.model::text = ${model} AND s.online AND s.control_enabled AND s.gcode_state = ANY(${[...idleStates]}::text[])
       AND l.holder IS NOT NULL AND l.holder <> ${memberId}::uuid AND l.expires_at > now()`
  return needs ? rows.filter((r) => planFilaments(needs, storedTrays(r.ams)).ok).length : rows.length
}
