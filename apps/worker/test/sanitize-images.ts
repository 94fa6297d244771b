// Fixtures for the sanitizer tests: real encoder output (sharp) with metadata and hostile
// additions spliced in by hand, so each test knows exactly which bytes it planted.
import { crc32 } from 'node:zlib'
import sharp from 'sharp'

/** Strings planted in metadata: none of them may appear in a stored file. */
export const PLANTED = { make: 'PlantedCamMake', gps: 'PlantedGpsArea', xmp: 'PlantedXmpCreator', comment: 'PlantedComment', thumb: 'PlantedThumbnail', trailer: 'PlantedTrailer', text: 'PlantedPngText' }

const noisy = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: channels === 4 ? { r: 90, g: 140, b: 200, alpha: 0.5 } : '#6a8caf', noise: { type: 'gaussian', mean: 110, sigma: 40 } } })

export const JPEG_VARIANTS = ['baseline 4:2:0', 'baseline 4:4:4', 'progressive', 'progressive 4:4:4 optimised', 'grayscale', 'CMYK (Adobe APP14)', 'restart interval (DRI, RSTn)'] as const
export const PNG_VARIANTS = ['RGBA', 'palette + tRNS', '16-bit RGB', 'grey, interlaced'] as const

/** Encoded JPEGs of every structure the lossless path must keep byte-exact. */
export async function jpegVariants(): Promise<Record<(typeof JPEG_VARIANTS)[number], Buffer>> {
  const rgb = await noisy(67, 45).raw().toBuffer()
  const from = () => sharp(rgb, { raw: { width: 67, height: 45, channels: 3 } })
  return {
    'baseline 4:2:0': await from().jpeg({ quality: 85 }).toBuffer(),
    'baseline 4:4:4': await from().jpeg({ quality: 85, chromaSubsampling: '4:4:4' }).toBuffer(),
    progressive: await from().jpeg({ progressive: true }).toBuffer(),
    'progressive 4:4:4 optimised': await from().jpeg({ progressive: true, chromaSubsampling: '4:4:4', optimiseScans: true }).toBuffer(),
    grayscale: await from().grayscale().jpeg().toBuffer(),
    'CMYK (Adobe APP14)': await from().toColourspace('cmyk').jpeg().toBuffer(),
    'restart interval (DRI, RSTn)': restartJpeg(),
  }
}

/** One JPEG segment: marker, big-endian length, payload. */
export const segment = (marker: number, payload: Buffer) => {
  const head = Buffer.alloc(4)
  head.writeUInt16BE(0xff00 | marker, 0)
  head.writeUInt16BE(payload.length + 2, 2)
  return Buffer.concat([head, payload])
}

/** `segments` right after SOI (and a JFIF APP0, if any). */
export function insertSegments(jpeg: Buffer, segments: Buffer[]): Buffer {
  const at = jpeg[3] === 0xe0 ? 4 + jpeg.readUInt16BE(4) : 2
  return Buffer.concat([jpeg.subarray(0, at), ...segments, jpeg.subarray(at)])
}

/**
 * An EXIF APP1 the way cameras write it: IFD0 with Make, Orientation and a GPS IFD, and IFD1 with
 * a JPEG thumbnail, in either byte order.
 */
export function cameraExif(orientation: number, littleEndian: boolean, thumbnail: Buffer): Buffer {
  const tiff = Buffer.alloc(512 + thumbnail.length)
  const u16 = (v: number, at: number) => (littleEndian ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at))
  const u32 = (v: number, at: number) => (littleEndian ? tiff.writeUInt32LE(v, at) : tiff.writeUInt32BE(v, at))
  tiff.write(littleEndian ? 'II' : 'MM', 0, 'latin1')
  u16(42, 2)
  u32(8, 4)
  const entry = (at: number, tag: number, type: number, count: number, value: number) => {
    u16(tag, at)
    u16(type, at + 2)
    u32(count, at + 4)
    if (type === 3 && count === 1) u16(value, at + 8)
    else u32(value, at + 8)
  }
  // IFD0 at 8: Make (ASCII at 200), Orientation, GPS IFD pointer (at 100); next IFD1 at 150.
  u16(3, 8)
  entry(10, 0x010f, 2, PLANTED.make.length + 1, 200)
  entry(22, 0x0112, 3, 1, orientation)
  entry(34, 0x8825, 4, 1, 100)
  u32(150, 46)
  // GPS IFD at 100: GPSAreaInformation (UNDEFINED at 240).
  u16(1, 100)
  entry(102, 0x001c, 7, PLANTED.gps.length, 240)
  u32(0, 114)
  // IFD1 at 150: JPEGInterchangeFormat (offset 512), JPEGInterchangeFormatLength.
  u16(2, 150)
  entry(152, 0x0201, 4, 1, 512)
  entry(164, 0x0202, 4, 1, thumbnail.length)
  u32(0, 176)
  tiff.write(PLANTED.make, 200, 'latin1')
  tiff.write(PLANTED.gps, 240, 'latin1')
  thumbnail.copy(tiff, 512)
  return segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]))
}

/** A phone photo's worth of metadata: EXIF (GPS, Make, thumbnail), XMP, ICC, a comment, MPF. */
export async function cameraJpeg(orientation = 6, littleEndian = true): Promise<Buffer> {
  const plain = await noisy(64, 40).jpeg().withIccProfile('p3').toBuffer()
  const thumbnail = Buffer.concat([await noisy(16, 10).jpeg().toBuffer(), Buffer.from(PLANTED.thumb)])
  const xmp = Buffer.from(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${PLANTED.xmp}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`, 'latin1')
  const mpf = Buffer.concat([Buffer.from('MPF\0', 'latin1'), Buffer.alloc(32, 0x11)])
  return insertSegments(plain, [
    cameraExif(orientation, littleEndian, thumbnail),
    segment(0xe1, xmp),
    segment(0xe2, mpf),
    segment(0xed, Buffer.from('Photoshop 3.0\0' + PLANTED.make, 'latin1')),
    segment(0xfe, Buffer.from(PLANTED.comment, 'latin1')),
  ])
}

/** A ZIP and an HTML page after EOI: a polyglot that is an image to one tool and an archive to another. */
export const polyglotTrailer = () =>
  Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x00\x00', 'latin1'), Buffer.from(`<html><script>alert('${PLANTED.trailer}')</script></html>`), Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)])

/** A PNG chunk with its CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  data.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

/** `chunks` right after IHDR. */
export const insertChunks = (png: Buffer, chunks: Buffer[]) => Buffer.concat([png.subarray(0, 33), ...chunks, png.subarray(33)])

export async function pngVariants(): Promise<Record<(typeof PNG_VARIANTS)[number], Buffer>> {
  return {
    RGBA: await noisy(41, 29, 4).png().toBuffer(),
    'palette + tRNS': await noisy(41, 29, 4).png({ palette: true, colours: 16 }).toBuffer(),
    '16-bit RGB': await noisy(41, 29).toColourspace('rgb16').png().toBuffer(),
    'grey, interlaced': await noisy(41, 29).grayscale().png({ progressive: true }).toBuffer(),
  }
}

/** A PNG with text, ICC and EXIF chunks. */
export async function metadataPng(): Promise<Buffer> {
  const png = await noisy(40, 30).png().withIccProfile('p3').toBuffer()
  return insertChunks(png, [
    pngChunk('tEXt', Buffer.from(`Comment\0${PLANTED.text}`, 'latin1')),
    pngChunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>${PLANTED.xmp}</x:xmpmeta>`, 'latin1')),
    pngChunk('eXIf', Buffer.from(`MM\0*${PLANTED.gps}`, 'latin1')),
  ])
}

/**
 * A grayscale baseline JPEG with a restart interval (DRI, RST0–7 in the data), written by hand:
 * sharp has no restart option. DC-only blocks (flat 8×8 squares), quantization 1, a 4-bit code per
 * DC size class and a 1-bit EOB code. One restart every 3 blocks.
 */
export function restartJpeg(): Buffer {
  const [cols, rows, interval] = [8, 4, 3]
  const dqt = segment(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]))
  const sof = segment(0xc0, Buffer.from([8, 0, rows * 8, 0, cols * 8, 1, 1, 0x11, 0]))
  const dcCounts = Buffer.alloc(16)
  dcCounts[3] = 12 // twelve 4-bit codes: size classes 0–11
  const dht = segment(0xc4, Buffer.concat([Buffer.from([0x00]), dcCounts, Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), Buffer.from([0x10, 1, ...Array<number>(15).fill(0), 0x00])]))
  const dri = segment(0xdd, Buffer.from([0, interval]))
  const sos = segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0]))
  const bytes: number[] = []
  let acc = 0
  let n = 0
  const put = (value: number, bits: number) => {
    for (let b = bits - 1; b >= 0; b--) {
      acc = (acc << 1) | ((value >> b) & 1)
      if (++n === 8) {
        bytes.push(acc)
        if (acc === 0xff) bytes.push(0x00)
        acc = 0
        n = 0
      }
    }
  }
  const flush = () => {
    if (n > 0) put(0x7f, 8 - n) // pad with 1 bits
  }
  let pred = 0
  for (let block = 0; block < cols * rows; block++) {
    if (block > 0 && block % interval === 0) {
      flush()
      bytes.push(0xff, 0xd0 + (((block / interval) - 1) % 8))
      pred = 0
    }
    const dc = (((block * 37) % 23) - 11) * 64 // level shift: pixel = dc / 8 + 128
    const diff = dc - pred
    pred = dc
    const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1
    put(size, 4)
    if (size > 0) put(diff > 0 ? diff : diff + (1 << size) - 1, size)
    put(0, 1) // EOB
  }
  flush()
  return Buffer.concat([Buffer.from([0xff, 0xd8]), dqt, dht, sof, dri, sos, Buffer.from(bytes), Buffer.from([0xff, 0xd9])])
}
