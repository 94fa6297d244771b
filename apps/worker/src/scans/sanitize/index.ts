// sanitizeImage: one customer upload → the bytes the worker stores (docs/product.md §6).
// `lossless` (default) keeps the compressed image as the camera wrote it and drops everything else;
// `reencode` decodes and re-encodes (../reencode.ts). Both leave no metadata but Orientation.
import { ImageRejected, sanitized, type SanitizedImage } from '../image.js'
import { reencode } from '../reencode.js'
import { assertDecodes } from './decode-check.js'
import { filterJpeg, isJpeg } from './jpeg.js'
import { filterPng, isPng } from './png.js'

export type SanitizeMode = 'lossless' | 'reencode'

export function sanitizeImage(input: Buffer, mode: SanitizeMode): Promise<SanitizedImage> {
  return mode === 'reencode' ? reencode(input) : lossless(input)
}

async function lossless(input: Buffer): Promise<SanitizedImage> {
  const format = isJpeg(input) ? 'jpeg' : isPng(input) ? 'png' : null
  if (!format) throw new ImageRejected('unsupported image format: only JPEG and PNG are accepted')
  const out = format === 'jpeg' ? filterJpeg(input) : filterPng(input)
  // The output is what gets stored: that is what must decode.
  await assertDecodes(out.data, out.width, out.height)
  return sanitized(out.data, format, out.width, out.height)
}
