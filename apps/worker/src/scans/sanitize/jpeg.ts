// Lossless JPEG sanitizing, structure only (docs/product.md §6): copy the segments a decoder needs
// byte for byte, drop every other one and everything after EOI. The pixels are never decoded here,
// so the stored file is exactly the camera's compressed image (no second lossy generation).
//
// Hand-written because no well-kept library does strict, bounded, lossless JPEG segment filtering:
// the JS EXIF/JPEG packages parse metadata (what we want gone) and tolerate what we refuse, and
// jpegtran-style tools are native binaries we would have to ship and trust. The whole grammar
// needed for Huffman JPEG (ITU T.81 Annex B) is small; every length is checked against the buffer
// and every loop advances, so no input can read out of bounds or spin.
import { assertPixelLimit, ImageRejected } from '../image.js'
import { orientationApp1, readOrientation } from './exif-orientation.js'
import { rebuildAdobe, rebuildJfif } from './jpeg-app.js'

/** A camera file has < 20 segments, a progressive one < 40; metadata-stuffed files a few hundred at most. */
const MAX_SEGMENTS = 1_024
/**
 * Each scan is a pass over the whole coefficient buffer: a progressive file with thousands of tiny
 * scans is a known decoder CPU bomb. Encoders write ≤ ~20 (libjpeg's progressive script: 10).
 */
const MAX_SCANS = 100

const SOI = 0xd8
const EOI = 0xd9
const SOS = 0xda
const DQT = 0xdb
const DHT = 0xc4
const DRI = 0xdd
const APP0 = 0xe0
const APP1 = 0xe1
const APP14 = 0xee
const APP15 = 0xef
const COM = 0xfe
/** Huffman baseline, extended sequential, progressive: what libjpeg decodes and cameras write. */
const SUPPORTED_SOF = new Set([0xc0, 0xc1, 0xc2])
/** SOF3, SOF5–7, SOF9–11, SOF13–15: lossless, hierarchical, arithmetic. */
const UNSUPPORTED_SOF = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf])

export interface FilteredImage {
  data: Buffer
  width: number
  height: number
}

export const isJpeg = (input: Buffer) => input.length >= 2 && input[0] === 0xff && input[1] === SOI

function reject(reason: string): never {
  throw new ImageRejected(`invalid JPEG: ${reason}`)
}
function truncated(): never {
  // Worded like the decoder's message: customers see one kind of reason for a cut-off upload.
  throw new ImageRejected('image could not be decoded: JPEG ends before its end-of-image marker')
}

/** The sanitized copy of `input` (SOI, JFIF, Orientation, Adobe, tables, frame, scans, EOI), or ImageRejected. */
export function filterJpeg(input: Buffer): FilteredImage {
  if (!isJpeg(input)) reject('missing start-of-image marker')
  const kept: Buffer[] = []
  let jfif: Buffer | null = null
  let adobe: Buffer | null = null
  let orientation = 1
  let exifSeen = false
  let frame: { width: number; height: number; components: number } | null = null
  let scans = 0
  let segments = 0
  let p = 2
  for (;;) {
    if (p >= input.length) truncated()
    if (input.readUInt8(p) !== 0xff) reject('unexpected data between segments')
    // Any number of 0xFF fill bytes may precede a marker (T.81 B.1.1.2); each one is progress.
    while (p < input.length && input.readUInt8(p) === 0xff) p++
    if (p >= input.length) truncated()
    const marker = input.readUInt8(p)
    const start = p - 1
    p++
    if (marker === EOI) {
      if (!frame || scans === 0) reject('no image data')
      break
    }
    if (++segments > MAX_SEGMENTS) reject('too many segments')
    if (marker === 0x00 || marker === 0x01 || marker === SOI || (marker >= 0xd0 && marker <= 0xd7)) reject('misplaced marker')
    if (p + 2 > input.length) truncated()
    const length = input.readUInt16BE(p)
    if (length < 2) reject('segment length too short')
    const end = p + length
    if (end > input.length) truncated()
    const payload = input.subarray(p + 2, end)
    const segment = input.subarray(start, end)
    p = end

    if (SUPPORTED_SOF.has(marker)) {
      if (frame) reject('more than one frame')
      frame = checkFrame(payload)
      kept.push(segment)
    } else if (UNSUPPORTED_SOF.has(marker) || marker === 0xcc || marker === 0xde || marker === 0xdf) {
      // SOFn above, DAC (arithmetic tables), DHP/EXP (hierarchical).
      throw new ImageRejected('unsupported JPEG type: only baseline, extended and progressive Huffman JPEGs are accepted')
    } else if (marker === DQT) {
      checkQuantTables(payload)
      kept.push(segment)
    } else if (marker === DHT) {
      checkHuffmanTables(payload)
      kept.push(segment)
    } else if (marker === DRI) {
      if (payload.length !== 2) reject('bad restart interval segment')
      kept.push(segment)
    } else if (marker === SOS) {
      if (!frame) reject('scan before frame header')
      if (++scans > MAX_SCANS) reject('too many scans')
      checkScanHeader(payload)
      p = entropyEnd(input, p)
      kept.push(input.subarray(start, p))
    } else if (marker >= APP0 && marker <= APP15) {
      // Only what libjpeg reads before the first scan decides colours; later APPn are dropped whole.
      if (scans > 0) continue
      if (marker === APP0) jfif = rebuildJfif(payload) ?? jfif
      else if (marker === APP14) adobe = rebuildAdobe(payload) ?? adobe
      else if (marker === APP1 && !exifSeen && payload.subarray(0, 4).toString('latin1') === 'Exif') {
        exifSeen = true
        orientation = readOrientation(payload)
      }
      // Every other APPn (XMP, ICC, MPF, Photoshop IRB, …) is dropped.
    } else if (marker === COM) {
      // dropped
    } else {
      // DNL, JPG, JPGn (JPEG-LS and other extensions), reserved markers.
      reject('unsupported marker')
    }
  }
  if (!frame) return reject('no frame header')
  const exif = orientation === 1 ? [] : [orientationApp1(orientation)]
  const data = Buffer.concat([Buffer.from([0xff, SOI]), ...(jfif ? [jfif] : []), ...exif, ...(adobe ? [adobe] : []), ...kept, Buffer.from([0xff, EOI])])
  return { data, width: frame.width, height: frame.height }
}

/** SOFn (B.2.2): 8-bit samples, explicit height (no DNL), 1, 3 or 4 components, exact length. */
function checkFrame(payload: Buffer): { width: number; height: number; components: number } {
  if (payload.length < 6) reject('bad frame header')
  if (payload.readUInt8(0) !== 8) throw new ImageRejected('unsupported JPEG type: only 8-bit samples are accepted')
  const height = payload.readUInt16BE(1)
  const width = payload.readUInt16BE(3)
  const components = payload.readUInt8(5)
  if (width === 0 || height === 0) reject('zero image dimension')
  if (components !== 1 && components !== 3 && components !== 4) reject('unsupported number of colour components')
  if (payload.length !== 6 + 3 * components) reject('bad frame header length')
  for (let c = 0; c < components; c++) {
    const sampling = payload.readUInt8(7 + 3 * c)
    const [h, v] = [sampling >> 4, sampling & 0x0f]
    if (h < 1 || h > 4 || v < 1 || v > 4 || payload.readUInt8(8 + 3 * c) > 3) reject('bad frame component')
  }
  assertPixelLimit(width, height)
  return { width, height, components }
}

/** DQT (B.2.4.1): whole tables only, nothing left over to hide bytes in. */
function checkQuantTables(payload: Buffer): void {
  let q = 0
  if (payload.length === 0) reject('empty quantization table segment')
  while (q < payload.length) {
    const pqTq = payload.readUInt8(q)
    if (pqTq >> 4 > 1 || (pqTq & 0x0f) > 3) reject('bad quantization table')
    q += 1 + 64 * ((pqTq >> 4) + 1)
  }
  if (q !== payload.length) reject('bad quantization table length')
}

/** DHT (B.2.4.2): whole tables, ≤ 256 codes each, nothing left over. */
function checkHuffmanTables(payload: Buffer): void {
  let q = 0
  if (payload.length === 0) reject('empty Huffman table segment')
  while (q < payload.length) {
    if (q + 17 > payload.length) reject('bad Huffman table length')
    const tcTh = payload.readUInt8(q)
    if (tcTh >> 4 > 1 || (tcTh & 0x0f) > 3) reject('bad Huffman table')
    let codes = 0
    for (let i = 1; i <= 16; i++) codes += payload.readUInt8(q + i)
    if (codes > 256) reject('bad Huffman table')
    q += 17 + codes
  }
  if (q !== payload.length) reject('bad Huffman table length')
}

/** SOS header (B.2.3): 1–4 components, exact length. */
function checkScanHeader(payload: Buffer): void {
  if (payload.length < 1) reject('bad scan header')
  const components = payload.readUInt8(0)
  if (components < 1 || components > 4 || payload.length !== 4 + 2 * components) reject('bad scan header')
}

/**
 * Where a scan's entropy-coded data ends: at the first marker that is neither a stuffed 0xFF00 nor
 * a restart marker RST0–7 (both belong to the data). Missing → the file is truncated.
 */
function entropyEnd(input: Buffer, from: number): number {
  let i = from
  for (;;) {
    const ff = input.indexOf(0xff, i)
    if (ff < 0 || ff + 1 >= input.length) return truncated()
    const next = input.readUInt8(ff + 1)
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
      i = ff + 2
      continue
    }
    return ff
  }
}
