// The dispatch-time check (docs/integrations.md "Filament-aware dispatch"): before a print job is
// recorded, some printer it may go to must report the filaments it needs. Reads printer_status
// under the caller's context (RLS), from what the worker last wrote.
import type { BambuModel, Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'
import { describeNeeds, planFilaments, type LoadedTray } from './match.js'
import type { FilamentNeeds } from './needs.js'

/** The trays column as written by the worker; anything unreadable counts as nothing loaded. */
export function storedTrays(value: unknown): LoadedTray[] {
  return Array.isArray(value) ? (value.filter((t) => typeof t === 'object' && t !== null) as LoadedTray[]) : []
}

/**
 * 409 FILAMENT_MISMATCH, naming the slots, types and colours missing, when neither the named
 * printer nor any printer of `model` has every filament the plate needs loaded (a tray with
 * remain 0 does not count). Busy or offline printers count: the job waits for them.
 */
export async function assertFilamentsLoaded(tx: Tx, target: { printerId: string | null; model: BambuModel | null }, needs: FilamentNeeds): Promise<void> {
  const printers = await tx.printer.findMany({
    where: target.printerId ? { id: target.printerId } : { model: target.model ?? undefined },
    select: { name: true, status: { select: { ams: true } } },
    orderBy: { name: 'asc' },
  })
  if (target.printerId && printers.length === 0) return // createPrintJob answers 404
  let closest: { name: string; missing: FilamentNeeds['filaments'] } | null = null
  for (const p of printers) {
    const plan = planFilaments(needs, storedTrays(p.status?.ams))
    if (plan.ok) return
    if (!closest || plan.missing.length < closest.missing.length) closest = { name: p.name, missing: plan.missing }
  }
  const hint = 'Load them, or give amsMapping to map trays by hand.'
  if (!closest) throw new AppError('FILAMENT_MISMATCH', `No ${target.model} printer is registered to print ${describeNeeds(needs.filaments)}. ${hint}`)
  const lacks = describeNeeds(closest.missing)
  throw new AppError('FILAMENT_MISMATCH', target.printerId
    ? `Printer ${closest.name} does not have the filaments this plate needs loaded: it lacks ${lacks}. ${hint}`
    : `No ${target.model} printer has the filaments this plate needs loaded (the closest, ${closest.name}, lacks ${lacks}). ${hint}`)
}
