// A scan job's life and its images' (docs/product.md §4.2, §6), in one place. Adding a state or a
// transition means editing this file (and the enum's migration).
import { ScanImageStatus, ScanJobStatus } from '@printforge/db'

export type ScanStatus = ScanJobStatus
export const SCAN_STATUSES = Object.values(ScanJobStatus) as readonly ScanStatus[]
export type ImageStatus = ScanImageStatus
export const IMAGE_STATUSES = Object.values(ScanImageStatus) as readonly ImageStatus[]

/** Allowed moves of a scan job. Deletion is not a state: the row goes (with an audit row). */
export const SCAN_TRANSITIONS: Readonly<Record<ScanStatus, readonly ScanStatus[]>> = {
  queued: ['processing', 'failed', 'cancelled'],
  processing: ['stored', 'failed', 'cancelled'],
  stored: [],
  failed: [],
  cancelled: [],
}

/** Where every job starts, and where a cancel ends (the API's answers name them). */
export const SCAN_INITIAL = 'queued' as const satisfies ScanStatus
export const SCAN_CANCELLED = 'cancelled' as const satisfies ScanStatus

export const canMoveScan = (from: ScanStatus, to: ScanStatus) => SCAN_TRANSITIONS[from].includes(to)
export const SCAN_TERMINAL = SCAN_STATUSES.filter((s) => SCAN_TRANSITIONS[s].length === 0)
/** Still moving: the sweeper expects a live `scan.ingest` job for these. */
export const SCAN_ACTIVE = SCAN_STATUSES.filter((s) => SCAN_TRANSITIONS[s].length > 0)
export const SCAN_CANCELLABLE = SCAN_STATUSES.filter((s) => canMoveScan(s, 'cancelled'))
/** The worker is writing its images: a delete must wait for a cancel to stop it first. */
export const SCAN_BUSY: ScanStatus = 'processing'

/** An upload waits in quarantine until the worker stores or fails it. */
export const IMAGE_PENDING: ImageStatus = 'quarantined'
/** Only a stored image can be downloaded. */
export const isImageStored = (status: ImageStatus) => status === 'stored'
