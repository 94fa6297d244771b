// Lossless PNG sanitizing, chunk by chunk (docs/product.md §6): keep the chunks that define the
// pixels, drop the rest and everything after IEND. Hand-written for the same reason as jpeg.ts:
// no well-kept library filters PNG chunks strictly (CRC of every chunk, bounded lengths) without
// decoding; the format is a flat list of length-type-data-CRC records, so the walk is short.
import { crc32 } from 'node:zlib'
import { assertPixelLimit, ImageRejected } from '../image.js'
import type { FilteredImage } from './jpeg.js'

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
/** PNG's own bound on a chunk length (ISO 15948 §5.3). */
const MAX_CHUNK_LENGTH = 2 ** 31 - 1
/** Encoders write one IDAT per 8–64 KiB; a 32 MiB file of minimal chunks would be ~2.8 M records. */
const MAX_CHUNKS = 65_536
/**
 * What defines the pixels and how to show them. Dropped: iCCP (an ICC profile can carry arbitrary
 * text in its tags, zlib-compressed so no byte search sees it; the pixel values do not change and
 * viewers then assume sRGB), text chunks (tEXt, zTXt, iTXt: XMP lives there), eXIf, tIME, pHYs,
 * sPLT, hIST, bKGD, sBIT, APNG frames (acTL, fcTL, fdAT: the default image stays), private chunks.
 */
const KEPT = new Set(['IHDR', 'PLTE', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'IDAT', 'IEND'])
/** Bit depths each colour type allows (ISO 15948 §11.2.2). */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] }

export const isPng = (input: Buffer) => input.length >= SIGNATURE.length && input.subarray(0, SIGNATURE.length).equals(SIGNATURE)

function reject(reason: string): never {
  throw new ImageRejected(`invalid PNG: ${reason}`)
}
function truncated(): never {
  throw new ImageRejected('image could not be decoded: PNG ends before its IEND chunk')
}

/** The sanitized copy of `input`: signature and the KEPT chunks, verbatim with their CRCs; or ImageRejected. */
export function filterPng(input: Buffer): FilteredImage {
  if (!isPng(input)) reject('bad signature')
  const kept: Buffer[] = [SIGNATURE]
  let header: { width: number; height: number; colourType: number } | null = null
  let sawPalette = false
  let sawData = false
  let chunks = 0
  let p = SIGNATURE.length
  for (;;) {
    if (p + 12 > input.length) truncated()
    if (++chunks > MAX_CHUNKS) reject('too many chunks')
    const length = input.readUInt32BE(p)
    if (length > MAX_CHUNK_LENGTH) reject('chunk length out of range')
    if (length > input.length - p - 12) truncated()
    const type = input.toString('latin1', p + 4, p + 8)
    if (!/^[A-Za-z]{4}$/.test(type)) reject('bad chunk type')
    const end = p + 12 + length
    if (crc32(input.subarray(p + 4, end - 4)) !== input.readUInt32BE(end - 4)) reject('bad chunk CRC')
    const chunk = input.subarray(p, end)
    const data = input.subarray(p + 8, end - 4)
    p = end
    if (!header) {
      if (type !== 'IHDR') reject('IHDR must come first')
      header = checkHeader(data)
      kept.push(chunk)
      continue
    }
    if (type === 'IHDR') reject('more than one IHDR')
    if (type === 'IEND') {
      if (length !== 0) reject('bad IEND')
      if (!sawData) reject('no image data')
      if (header.colourType === 3 && !sawPalette) reject('palette image without PLTE')
      kept.push(chunk)
      break
    }
    if (type === 'PLTE') sawPalette = true
    if (type === 'IDAT') sawData = true
    if (KEPT.has(type)) kept.push(chunk)
    // Bit 5 of the first letter clear (upper case): critical, must be understood to show the image.
    else if ((type.charCodeAt(0) & 0x20) === 0) reject(`unsupported critical chunk ${type}`)
  }
  return { data: Buffer.concat(kept), width: header.width, height: header.height }
}

/** IHDR (§11.2.2): exactly 13 bytes, dimensions within the pixel limit, a valid type/depth pair. */
function checkHeader(data: Buffer): { width: number; height: number; colourType: number } {
  if (data.length !== 13) reject('bad IHDR')
  const width = data.readUInt32BE(0)
  const height = data.readUInt32BE(4)
  const [depth, colourType, compression, filter, interlace] = [data.readUInt8(8), data.readUInt8(9), data.readUInt8(10), data.readUInt8(11), data.readUInt8(12)]
  if (width === 0 || height === 0) reject('zero image dimension')
  assertPixelLimit(width, height)
  if (!DEPTHS[colourType]?.includes(depth) || compression !== 0 || filter !== 0 || interlace > 1) reject('bad IHDR')
  return { width, height, colourType }
}
