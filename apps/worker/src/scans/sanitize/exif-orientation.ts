// The one EXIF value a stored scan keeps: Orientation (tag 0x0112 of IFD0).
//
// Why keep it at all: the stored file is what the customer and photogrammetry tools download through
// the presigned URL, and it must render the right way up on its own. Lossless sanitizing cannot
// rotate the pixels (that would be a re-encode), so the camera's orientation travels as metadata.
// The block we write is built from constants here: no byte of the upload's EXIF is copied, so it
// cannot carry GPS, serial numbers, thumbnails or anything else.

/** APP1 payload prefix: "Exif\0\0". */
export const EXIF_ID = Buffer.from('Exif\0\0', 'latin1')
/** Bytes of the APP1 segment orientationApp1 writes (marker, length, payload): the most lossless output may add. */
export const ORIENTATION_APP1_BYTES = 36
const ORIENTATION_TAG = 0x0112
const TYPE_SHORT = 3
/** IFD0 entries a camera writes are a few dozen; more is not a camera's EXIF. */
const MAX_IFD0_ENTRIES = 1_000

/**
 * Orientation 1–8 from an APP1 payload (after the length field), or 1 when the payload is not EXIF
 * or is malformed in any way: a broken EXIF is dropped, not a reason to refuse the photo.
 * Every read is bounds-checked against the payload; there is no loop beyond IFD0's entry count.
 */
export function readOrientation(payload: Buffer): number {
  if (payload.length < EXIF_ID.length + 8 || !payload.subarray(0, EXIF_ID.length).equals(EXIF_ID)) return 1
  const tiff = payload.subarray(EXIF_ID.length)
  const order = tiff.toString('latin1', 0, 2)
  if (order !== 'II' && order !== 'MM') return 1
  const le = order === 'II'
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at))
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at))
  if (u16(2) !== 42) return 1
  const ifd0 = u32(4)
  if (ifd0 < 8 || ifd0 + 2 > tiff.length) return 1
  const count = u16(ifd0)
  if (count > MAX_IFD0_ENTRIES || ifd0 + 2 + count * 12 > tiff.length) return 1
  for (let i = 0; i < count; i++) {
    const entry = ifd0 + 2 + i * 12
    if (u16(entry) !== ORIENTATION_TAG) continue
    if (u16(entry + 2) !== TYPE_SHORT || u32(entry + 4) !== 1) return 1
    const value = u16(entry + 8)
    return value >= 1 && value <= 8 ? value : 1
  }
  return 1
}

/** A whole APP1 segment (FFE1, length, payload) holding only IFD0 with Orientation; big-endian TIFF. */
export function orientationApp1(orientation: number): Buffer {
  if (!Number.isInteger(orientation) || orientation < 2 || orientation > 8) throw new RangeError('orientation 2–8 only')
  const out = Buffer.alloc(ORIENTATION_APP1_BYTES)
  out.writeUInt16BE(0xffe1, 0)
  out.writeUInt16BE(ORIENTATION_APP1_BYTES - 2, 2)
  EXIF_ID.copy(out, 4)
  const tiff = 4 + EXIF_ID.length
  out.write('MM', tiff, 'latin1')
  out.writeUInt16BE(42, tiff + 2)
  out.writeUInt32BE(8, tiff + 4) // IFD0 right after the header
  out.writeUInt16BE(1, tiff + 8) // one entry
  out.writeUInt16BE(ORIENTATION_TAG, tiff + 10)
  out.writeUInt16BE(TYPE_SHORT, tiff + 12)
  out.writeUInt32BE(1, tiff + 14)
  out.writeUInt16BE(orientation, tiff + 18) // a SHORT sits left-justified in the 4-byte value field
  out.writeUInt32BE(0, tiff + 22) // no IFD1: no thumbnail
  return out
}
