// Writing live printer state (`printer_status`) for many printers in one statement: the worker
// flushes every changed printer of a round together, so a farm of hundreds of printers costs a
// few transactions a second instead of one per printer per report.
//
// Fenced by the leases (docs/architecture.md, "Printer leases"): a row is written only while no
// other worker holds a live lease on its printer. A worker that was paused or cut off and comes
// back with an old view of a printer cannot overwrite what the printer's holder wrote since.
import type { Tx } from '@printforge/db'
import { emitPrinterTransitions, type PrinterStatusSnapshot } from '../webhooks/emitters.js'

export interface PrinterStatusFields {
  connection: string
  online: boolean
  controlEnabled: boolean
  gcodeState: string | null
  progress: number | null
  remainingMinutes: number | null
  layer: number | null
  totalLayers: number | null
  nozzleTemp: number | null
  bedTemp: number | null
  chamberTemp: number | null
  taskId: string | null
  errors: PrinterStatusSnapshot['errors']
  ams: unknown
}

export interface PrinterStatusWrite {
  printerId: string
  fields: PrinterStatusFields
  /** When a report last arrived; null keeps the stored value. */
  lastSeenAt: Date | null
}

/** Rows per statement: one round of a 500-printer worker fits, and a statement stays small. */
const CHUNK = 500

/**
 * Upserts the rows and emits printer.offline / printer.error for the transitions they make, in
 * the caller's transaction (system context). Returns the ids written: a printer deleted
 * meanwhile, or held by another live worker, is left out.
 */
export async function writePrinterStatuses(tx: Tx, memberId: string, writes: readonly PrinterStatusWrite[]): Promise<Set<string>> {
  const written = new Set<string>()
  // Sorted: two writers that ever touch the same rows lock them in the same order.
  const sorted = [...writes].sort((a, b) => (a.printerId < b.printerId ? -1 : a.printerId > b.printerId ? 1 : 0))
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const chunk = sorted.slice(i, i + CHUNK)
    const byId = new Map(chunk.map((w) => [w.printerId, w]))
    const rows = JSON.stringify(chunk.map(({ printerId, fields: f, lastSeenAt }) => ({
      printer_id: printerId, connection: f.connection, online: f.online, control_enabled: f.controlEnabled, gcode_state: f.gcodeState,
      progress: f.progress, remaining_minutes: f.remainingMinutes, layer: f.layer, total_layers: f.totalLayers,
      nozzle_temp: f.nozzleTemp, bed_temp: f.bedTemp, chamber_temp: f.chamberTemp, task_id: f.taskId,
      errors: f.errors, ams: f.ams, last_seen_at: lastSeenAt?.toISOString() ?? null,
    })))
    // One statement: every CTE reads the same snapshot, so `before` is each row as it was before
    // this write (the transitions are computed from it), with no extra round trip.
    const result = await tx.$queryRaw<Array<{ printer_id: string; online: boolean | null; connection: string | null; errors: unknown }>>`
      WITH v AS (
        SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS v(
          printer_id uuid, connection varchar, online boolean, control_enabled boolean, gcode_state varchar,
          progress int, remaining_minutes int, layer int, total_layers int,
          nozzle_temp float8, bed_temp float8, chamber_temp float8, task_id varchar,
          errors jsonb, ams jsonb, last_seen_at timestamptz)
      ),
      mine AS (
        SELECT v.* FROM v JOIN printers p ON p.id = v.printer_id
         WHERE NOT EXISTS (
           SELECT 1 FROM printer_leases l
            WHERE l.printer_id = v.printer_id AND l.holder <> ${memberId}::uuid AND l.expires_at > now())
      ),
      before AS (
        SELECT s.printer_id, s.online, s.connection, s.errors FROM printer_status s JOIN mine USING (printer_id)
      ),
      written AS (
        INSERT INTO printer_status AS s (printer_id, connection, online, control_enabled, gcode_state, progress, remaining_minutes,
                                         layer, total_layers, nozzle_temp, bed_temp, chamber_temp, task_id, errors, ams, last_seen_at, updated_at)
        SELECT printer_id, connection, online, control_enabled, gcode_state, progress, remaining_minutes,
               layer, total_layers, nozzle_temp, bed_temp, chamber_temp, task_id, errors, ams, last_seen_at, now()
          FROM mine
        ON CONFLICT (printer_id) DO UPDATE SET
          connection = EXCLUDED.connection, online = EXCLUDED.online, control_enabled = EXCLUDED.control_enabled,
          gcode_state = EXCLUDED.gcode_state, progress = EXCLUDED.progress, remaining_minutes = EXCLUDED.remaining_minutes,
          layer = EXCLUDED.layer, total_layers = EXCLUDED.total_layers, nozzle_temp = EXCLUDED.nozzle_temp,
          bed_temp = EXCLUDED.bed_temp, chamber_temp = EXCLUDED.chamber_temp, task_id = EXCLUDED.task_id,
          errors = EXCLUDED.errors, ams = EXCLUDED.ams, last_seen_at = COALESCE(EXCLUDED.last_seen_at, s.last_seen_at),
          updated_at = now()
        RETURNING s.printer_id
      )
      SELECT w.printer_id::text AS printer_id, b.online, b.connection, b.errors
        FROM written w LEFT JOIN before b USING (printer_id)`
    for (const row of result) {
      const write = byId.get(row.printer_id)
      if (!write) continue
      written.add(row.printer_id)
      const before = row.online === null || row.connection === null ? null : { online: row.online, connection: row.connection, errors: (Array.isArray(row.errors) ? row.errors : []) as PrinterStatusSnapshot['errors'] }
      await emitPrinterTransitions(tx, row.printer_id, before, write.fields)
    }
  }
  return written
}
