// A print job's life (docs/product.md §4.5), in one table. Adding a state or a transition means
// editing this file (and the enum's migration); every other module derives its sets from here.
import { ManufacturingStatus, type AuditAction } from '@printforge/db'

export type PrintStatus = ManufacturingStatus
export const PRINT_STATUSES = Object.values(ManufacturingStatus) as readonly PrintStatus[]

/**
 * Every move a print job can make, by name. The transition table below is derived from these, so
 * a new transition is one entry here. `from` lists the states the move may leave; `audit` names
 * the audit action written with it (docs/product.md §5.3), if any.
 */
export const PRINT_MOVES = {
  /** The dispatcher claimed a printer and uploads the model. */
  claim: { from: ['queued'], to: 'uploading' },
  /** The task id is committed before project_file is sent (never twice per job). */
  recordTask: { from: ['uploading'], to: 'starting' },
  /** project_file provably never left (printer offline or busy): a later attempt may send. */
  giveBackTask: { from: ['starting'], to: 'uploading' },
  /** The printer reported our task id. */
  confirmStart: { from: ['starting'], to: 'printing', audit: 'manufacturing.started' },
  complete: { from: ['printing'], to: 'completed', audit: 'manufacturing.completed' },
  /** Before the print runs (the dispatcher's failures). */
  failDispatch: { from: ['queued', 'uploading', 'starting'], to: 'failed', audit: 'manufacturing.failed' },
  /** While it runs (the printer's FAILED report, a lost task). */
  failPrint: { from: ['printing'], to: 'failed', audit: 'manufacturing.failed' },
  cancel: { from: ['queued', 'uploading', 'starting', 'printing'], to: 'cancelled', audit: 'manufacturing.cancelled' },
} as const satisfies Record<string, { from: readonly PrintStatus[]; to: PrintStatus; audit?: AuditAction }>

export type PrintMove = keyof typeof PRINT_MOVES

/** Allowed moves, derived from PRINT_MOVES. */
export const PRINT_TRANSITIONS: Readonly<Record<PrintStatus, readonly PrintStatus[]>> = Object.fromEntries(
  PRINT_STATUSES.map((from) => [from, [...new Set(Object.values(PRINT_MOVES).filter((m) => (m.from as readonly PrintStatus[]).includes(from)).map((m) => m.to))]]),
) as unknown as Record<PrintStatus, readonly PrintStatus[]>

/** Where every job starts, and where a cancel ends (the API's answers name them). */
export const PRINT_INITIAL = 'queued' as const satisfies PrintStatus
export const PRINT_CANCELLED = PRINT_MOVES.cancel.to

export const canMove = (from: PrintStatus, to: PrintStatus) => PRINT_TRANSITIONS[from].includes(to)

/** No way out: the job is finished one way or another. */
export const PRINT_TERMINAL = PRINT_STATUSES.filter((s) => PRINT_TRANSITIONS[s].length === 0)
/** Still moving. */
export const PRINT_ACTIVE = PRINT_STATUSES.filter((s) => PRINT_TRANSITIONS[s].length > 0)
/** States a cancel may leave. */
export const PRINT_CANCELLABLE = PRINT_STATUSES.filter((s) => canMove(s, 'cancelled'))

/** A job in these states owns its printer: no other job may be claimed onto it. */
export const PRINT_HOLDING_PRINTER: readonly PrintStatus[] = ['uploading', 'starting', 'printing']
/** The dispatcher's states: a row here needs a live `print.dispatch` job (the sweeper checks). */
export const PRINT_DISPATCHING: readonly PrintStatus[] = PRINT_MOVES.failDispatch.from

/**
 * What a dispatch attempt does with a job in `status`: `dispatch` (claim or keep our claim,
 * upload, send), `confirm` (a task id was recorded: it may have been sent, so only confirm,
 * never resend), or nothing (printing: the PrintFollower's; terminal: done).
 */
export function dispatchStep(status: PrintStatus): 'dispatch' | 'confirm' | 'none' {
  if (status === 'queued' || status === 'uploading') return 'dispatch'
  return status === 'starting' ? 'confirm' : 'none'
}
/** Our own claim from an earlier attempt stands (the job already holds its printer). */
export const holdsClaim = (status: PrintStatus) => status === 'uploading'
/** Followed on the printer by the PrintFollower rather than by a queue job. */
export const PRINT_ON_PRINTER: PrintStatus = 'printing'

/** Left `queued`: something may have reached a printer, so a cancel must ask the worker to stop it. */
export const mayHaveReachedPrinter = (from: PrintStatus) => from !== 'queued'
