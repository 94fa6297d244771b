// What both sanitizer modes (lossless, reencode) share: the stored image's shape, the one error an
// image's own fault raises, and the decoder limits.
import { createHash } from 'node:crypto'
import sharp from 'sharp'

/** 50 MP: a bigger image (or a header claiming one: a pixel flood) fails that image only. */
export const MAX_INPUT_PIXELS = 50_000_000
/** One wording whether our header check or libvips refused it: the customer sees one reason. */
const OVER_PIXEL_LIMIT = `image exceeds the ${MAX_INPUT_PIXELS / 1_000_000} MP pixel limit`

/** The bytes to store and what the image row records about them. */
export interface SanitizedImage {
  data: Buffer
  ext: 'jpg' | 'png'
  contentType: 'image/jpeg' | 'image/png'
  width: number
  height: number
  sha256: string
}

/**
 * The image's own fault (corrupt, too large, not JPEG/PNG): recorded on the image row and shown to
 * the customer, never retried. Messages are short and never echo image content.
 */
export class ImageRejected extends Error {}

// libvips threads per image: the worker runs SCAN_CONCURRENCY images at once, one process per core.
sharp.concurrency(1)

/** Refuses a header's dimensions before any decoder allocates for them. */
export function assertPixelLimit(width: number, height: number): void {
  if (width * height > MAX_INPUT_PIXELS) throw new ImageRejected(OVER_PIXEL_LIMIT)
}

export function sanitized(data: Buffer, format: 'jpeg' | 'png', width: number, height: number): SanitizedImage {
  return {
    data,
    ext: format === 'jpeg' ? 'jpg' : 'png',
    contentType: format === 'jpeg' ? 'image/jpeg' : 'image/png',
    width,
    height,
    sha256: createHash('sha256').update(data).digest('hex'),
  }
}

/** libvips messages name the problem without echoing image content; keep them short. */
export function describeDecodeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  if (/pixel limit/i.test(message)) return OVER_PIXEL_LIMIT
  return `image could not be decoded: ${message.split('\n')[0]?.slice(0, 200) ?? 'unknown error'}`
}
