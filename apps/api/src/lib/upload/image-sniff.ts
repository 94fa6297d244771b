import { AppError } from '@printforge/errors'
import { fileTypeFromBuffer } from 'file-type'
import { imageSize } from 'image-size'

/** docs/product.md §4.2 / §6: anything over 50 megapixels is a pixel flood and is refused before decoding. */
export const MAX_PIXELS = 50_000_000
/** Bytes file-type needs to recognise every type it knows. */
export const FILE_TYPE_SAMPLE = 4_100
/** How much of a file's head we read for its type and dimensions (EXIF and ICC can precede SOF). */
export const MAX_HEAD_BYTES = 1024 * 1024

export type ImageKind = { mime: 'image/jpeg'; ext: 'jpg' } | { mime: 'image/png'; ext: 'png' }

const EXTENSIONS: Record<ImageKind['mime'], string[]> = {
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/png': ['.png'],
}

/**
 * Decides from content, never from the declared Content-Type: magic bytes via file-type, and the
 * filename's extension must agree. Anything else is 415.
 */
export async function detectImageKind(head: Uint8Array, filename: string): Promise<ImageKind> {
  const detected = await fileTypeFromBuffer(head)
  if (detected?.mime !== 'image/jpeg' && detected?.mime !== 'image/png') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${safeName(filename)}: only JPEG and PNG images are accepted (by content).`)
  }
  const ext = extensionOf(filename)
  if (!EXTENSIONS[detected.mime].includes(ext)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${safeName(filename)}: the extension does not match the ${detected.mime} content.`)
  }
  return detected.mime === 'image/jpeg' ? { mime: 'image/jpeg', ext: 'jpg' } : { mime: 'image/png', ext: 'png' }
}

/**
 * Width and height from the header bytes alone (image-size parses the JPEG SOF / PNG IHDR; it
 * decodes no pixels). Returns undefined while the head is too short to tell.
 */
export function readDimensions(head: Uint8Array): { width: number; height: number } | undefined {
  try {
    const { width, height } = imageSize(head)
    if (width > 0 && height > 0) return { width, height }
  } catch {
    // not enough bytes yet, or a broken header: the caller decides which
  }
  return undefined
}

export function assertNotPixelFlood(filename: string, { width, height }: { width: number; height: number }) {
  if (width * height > MAX_PIXELS) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${safeName(filename)}: ${width}×${height} exceeds ${MAX_PIXELS / 1e6} megapixels.`)
  }
}

export function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot).toLowerCase() : ''
}

/**
 * The client's filename as we store and show it: last path segment only, control and format
 * characters removed, bounded length. It is display text: object keys never use it.
 */
export function safeName(filename: string): string {
  const base = (filename.split(/[\\/]/).pop() ?? '').replace(/[\p{Cc}\p{Cf}]/gu, '').trim()
  return (base || 'image').slice(0, 255)
}
