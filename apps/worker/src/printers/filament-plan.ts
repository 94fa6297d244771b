// Filament-aware dispatch in the worker: the rule is packages/domain's (src/filaments); this applies
// it to a printer's live trays, as its session last merged them (docs/bambu-protocol.md §3.6).
import { describeNeeds, planFilaments, storedNeeds, type FilamentPlan } from '@printforge/domain'
import type { ManagedPrinter } from './manager.js'
import { RetryableDispatchError } from './start-print.js'

interface FilamentJob {
  filaments: unknown
  amsMapping: number[]
}

/**
 * The plan for `job` on `printer`; null when the job is not filament-aware: its model carries no
 * filament metadata, or it was dispatched with a hand-made amsMapping (the operator's override).
 */
export function filamentPlan(job: FilamentJob, printer: ManagedPrinter): FilamentPlan | null {
  const needs = storedNeeds(job.filaments)
  if (!needs || job.amsMapping.length > 0) return null
  return planFilaments(needs, printer.session.status.ams)
}

/** The plan, or a retryable FILAMENT_MISMATCH naming what is missing (someone may load it). */
export function requireFilaments(job: FilamentJob, printer: ManagedPrinter): Extract<FilamentPlan, { ok: true }> | null {
  const plan = filamentPlan(job, printer)
  if (!plan || plan.ok) return plan
  throw new RetryableDispatchError('FILAMENT_MISMATCH', `printer ${printer.info.name} lacks ${describeNeeds(plan.missing)}`)
}
