// The two APPn segments a decoder needs, rebuilt from their fixed fields (docs/product.md §6):
// JFIF (APP0) says how to read the samples' density; Adobe (APP14) carries the colour transform,
// which decides how libjpeg converts the components (RGB vs YCbCr, CMYK vs YCCK). Neither keeps any
// variable-length part of the upload: no JFIF thumbnail, no extension data.
import { ImageRejected } from '../image.js'

const JFIF_ID = Buffer.from('JFIF\0', 'latin1')
const ADOBE_ID = Buffer.from('Adobe', 'latin1')

/** APP0 "JFIF" payload → a whole 18-byte APP0 segment; null when this APP0 is not JFIF (JFXX, AVI1…): dropped. */
export function rebuildJfif(payload: Buffer): Buffer | null {
  if (payload.length < 14 || !payload.subarray(0, 5).equals(JFIF_ID)) return null
  const minor = payload.readUInt8(5) === 1 && payload.readUInt8(6) <= 2 ? payload.readUInt8(6) : 1
  const units = payload.readUInt8(7) <= 2 ? payload.readUInt8(7) : 0
  const out = Buffer.alloc(18)
  out.writeUInt16BE(0xffe0, 0)
  out.writeUInt16BE(16, 2)
  JFIF_ID.copy(out, 4)
  out.writeUInt8(1, 9)
  out.writeUInt8(minor, 10)
  out.writeUInt8(units, 11)
  out.writeUInt16BE(payload.readUInt16BE(8) || 1, 12) // a zero density is invalid: 1 (aspect ratio 1:1)
  out.writeUInt16BE(payload.readUInt16BE(10) || 1, 14)
  // Thumbnail 0×0 (bytes 16, 17 stay zero).
  return out
}

/**
 * APP14 "Adobe" payload → a whole 16-byte APP14 segment with version 100, no flags and the upload's
 * transform; null when too short to be one (libjpeg ignores those too, so pixels do not change).
 */
export function rebuildAdobe(payload: Buffer): Buffer | null {
  if (payload.length < 12 || !payload.subarray(0, 5).equals(ADOBE_ID)) return null
  const transform = payload.readUInt8(11)
  if (transform > 2) throw new ImageRejected('invalid JPEG: unknown Adobe colour transform')
  const out = Buffer.alloc(16)
  out.writeUInt16BE(0xffee, 0)
  out.writeUInt16BE(14, 2)
  ADOBE_ID.copy(out, 4)
  out.writeUInt16BE(100, 9)
  // flags0, flags1 (bytes 11–14) stay zero: they carry no colour information.
  out.writeUInt8(transform, 15)
  return out
}
