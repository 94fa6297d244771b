// printforge_scan_images_total: images ingested, stored or rejected with a reason from a fixed set.
import { Counter, type Registry } from '@printforge/metrics'

/**
 * Rejection reasons as a fixed set. The rejection messages (ImageRejected, scans/) are written for
 * the customer and may carry details (a libvips message); only their stable beginnings are mapped
 * here, anything else is `other`.
 */
export const REJECTION_REASONS = [
  'unsupported_format',
  'unsupported_jpeg',
  'invalid_jpeg',
  'invalid_png',
  'truncated',
  'pixel_limit',
  'undecodable',
  'too_large',
  'missing',
  'other',
] as const
export type RejectionReason = (typeof REJECTION_REASONS)[number]

const PATTERNS: ReadonlyArray<[RegExp, RejectionReason]> = [
  [/pixel limit/i, 'pixel_limit'],
  [/^image could not be decoded: (JPEG|PNG) ends before/i, 'truncated'],
  [/^image could not be decoded/i, 'undecodable'],
  [/^unsupported image format/i, 'unsupported_format'],
  [/^unsupported JPEG type/i, 'unsupported_jpeg'],
  [/^invalid JPEG/i, 'invalid_jpeg'],
  [/^invalid PNG/i, 'invalid_png'],
  [/larger than any accepted upload/i, 'too_large'],
  [/missing from quarantine/i, 'missing'],
]

export function rejectionReason(message: string): RejectionReason {
  return PATTERNS.find(([pattern]) => pattern.test(message))?.[1] ?? 'other'
}

export interface ScanMetrics {
  stored(): void
  rejected(message: string): void
}

export function createScanMetrics(registry: Registry): ScanMetrics {
  const images = new Counter({
    name: 'printforge_scan_images_total',
    help: 'Scan images ingested: stored (reason ok) or rejected (reason from a fixed set)',
    labelNames: ['outcome', 'reason'],
    registers: [registry],
  })
  return {
    stored: () => images.inc({ outcome: 'stored', reason: 'ok' }),
    rejected: (message) => images.inc({ outcome: 'rejected', reason: rejectionReason(message) }),
  }
}
