// The lossless sanitizer (src/scans/sanitize) without services: what it keeps, what it drops, what
// it refuses. Pixel equality is checked against the upload decoded by the same libjpeg/libpng.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { crc32 } from 'node:zlib'
import sharp from 'sharp'
import { ImageRejected, MAX_INPUT_PIXELS } from '../src/scans/image.ts'
import { rejectionReason } from '../src/metrics/scans.ts'
import { readOrientation } from '../src/scans/sanitize/exif-orientation.ts'
import { sanitizeImage } from '../src/scans/sanitize/index.ts'
import { filterJpeg } from '../src/scans/sanitize/jpeg.ts'
import { filterPng } from '../src/scans/sanitize/png.ts'
import { pngBomb, truncatedJpeg } from './images.ts'
import { cameraJpeg, insertChunks, JPEG_VARIANTS, jpegVariants, metadataPng, PLANTED, PNG_VARIANTS, pngChunk, pngVariants, polyglotTrailer, segment } from './sanitize-images.ts'

const lossless = (input: Buffer) => sanitizeImage(input, 'lossless')
const pixels = (image: Buffer) => sharp(image, { ignoreIcc: true }).raw().toBuffer()
const rejects = (input: Buffer, reason: RegExp) =>
  assert.rejects(lossless(input), (err: unknown) => {
    assert.ok(err instanceof ImageRejected, String(err))
    assert.match(err.message, reason)
    // The metrics read the reason from the message's stable beginning: a reworded message must
    // not silently become `other` in printforge_scan_images_total.
    assert.notEqual(rejectionReason(err.message), 'other', `no metric reason for "${err.message}"`)
    return true
  }, `expected a rejection matching ${String(reason)}`)
const assertNonePlanted = (stored: Buffer) => {
  for (const [what, text] of Object.entries(PLANTED)) assert.ok(!stored.includes(Buffer.from(text)), `planted ${what} must be gone`)
}

describe('lossless JPEG', () => {
  test('a camera JPEG keeps its pixels and orientation, and nothing else: EXIF (GPS, Make, thumbnail), XMP, ICC, comment, MPF, Photoshop', async () => {
    for (const littleEndian of [true, false]) {
      const input = await cameraJpeg(6, littleEndian)
      assert.ok(input.includes(Buffer.from(PLANTED.gps)) && input.includes(Buffer.from(PLANTED.xmp)), 'fixture carries the planted metadata')
      const before = await sharp(input).metadata()
      assert.ok(before.icc && before.xmp && before.exif && input.includes(Buffer.from(PLANTED.comment)), 'fixture carries ICC, XMP, EXIF and a comment')
      const out = await lossless(input)
      const meta = await sharp(out.data).metadata()
      assert.equal(meta.format, 'jpeg')
      assert.equal(meta.orientation, 6, 'the camera orientation stays')
      assert.equal(meta.icc, undefined)
      assert.equal(meta.xmp, undefined)
      assert.equal(meta.comments, undefined)
      assert.equal(meta.exif?.length, 32, 'EXIF holds the rebuilt Orientation block only')
      assertNonePlanted(out.data)
      assert.ok(!out.data.includes(Buffer.from('http://ns.adobe.com')) && !out.data.includes(Buffer.from('MPF\0')) && !out.data.includes(Buffer.from('Photoshop')))
      assert.deepEqual(await pixels(out.data), await pixels(input), 'pixels unchanged')
      assert.deepEqual([out.width, out.height, out.ext, out.contentType], [64, 40, 'jpg', 'image/jpeg'])
    }
  })

  test('orientation 1 or a malformed EXIF leaves no EXIF at all', async () => {
    const out = await lossless(await cameraJpeg(1))
    assert.equal((await sharp(out.data).metadata()).exif, undefined)
    assert.ok(!out.data.includes(Buffer.from('Exif\0\0')))
    const broken = Buffer.from(await cameraJpeg(6))
    broken.writeUInt32LE(0xfffffff0, broken.indexOf(Buffer.from('Exif\0\0')) + 6 + 4) // IFD0 offset past the end
    const dropped = await lossless(broken)
    assert.equal((await sharp(dropped.data).metadata()).orientation, undefined)
    assert.equal(readOrientation(Buffer.from('Exif\0\0MM\0*\0\0\0\x08\xff\xff', 'latin1')), 1, 'an IFD0 count beyond the payload')
  })

  for (const name of JPEG_VARIANTS) {
    test(`pixel-identical: ${name}`, async () => {
      const input = (await jpegVariants())[name] as Buffer
      const out = await lossless(Buffer.concat([input, polyglotTrailer()]))
      assert.deepEqual(await pixels(out.data), await pixels(input))
      if (name.startsWith('CMYK')) assert.ok(out.data.includes(Buffer.from('Adobe')), 'the Adobe transform is kept')
      if (name.startsWith('restart')) assert.ok(out.data.includes(Buffer.from([0xff, 0xd2])) && out.data.includes(Buffer.from([0xff, 0xdd])), 'DRI and RSTn kept')
      // The scans are the upload's, byte for byte: it is the same compressed image.
      assert.ok(input.includes(out.data.subarray(out.data.indexOf(Buffer.from([0xff, 0xda])), -2)))
      assertNonePlanted(out.data)
      assert.ok(out.data.subarray(-2).equals(Buffer.from([0xff, 0xd9])), 'nothing after EOI')
      assert.deepEqual(filterJpeg(out.data).data, out.data, 'sanitizing is idempotent')
    })
  }

  test('rejected: truncated, corrupted entropy data, unsupported coding, over the pixel limit, misplaced markers', async () => {
    await rejects(await truncatedJpeg(), /could not be decoded: JPEG ends before/)
    const whole = (await jpegVariants())['baseline 4:2:0'] as Buffer
    const dataStart = whole.indexOf(Buffer.from([0xff, 0xda])) + 14
    // Cut inside the scan but closed with EOI: only decoding finds it.
    await rejects(Buffer.concat([whole.subarray(0, Math.floor(whole.length * 0.6)), Buffer.from([0xff, 0xd9])]), /could not be decoded: .*Corrupt JPEG data/)
    // A run of 1 bits (stuffed 0xFF00s) is no Huffman code at all. (Other damage can decode as valid
    // codes: entropy data has no checksum; what is stored then still decodes within bounds.)
    const garbage = Buffer.from(whole)
    for (let i = dataStart + 40; i < dataStart + 100; i += 2) garbage.writeUInt16BE(0xff00, i)
    await rejects(garbage, /could not be decoded: .*Corrupt JPEG data/)
    const strayRst = Buffer.concat([whole.subarray(0, dataStart + 100), Buffer.from([0xff, 0xd3]), whole.subarray(dataStart + 100)])
    await rejects(strayRst, /could not be decoded/)
    const sof = whole.indexOf(Buffer.from([0xff, 0xc0]))
    for (const marker of [0xc3, 0xc9, 0xca, 0xc5, 0xc7]) {
      const other = Buffer.from(whole)
      other[sof + 1] = marker
      await rejects(other, /unsupported JPEG type/)
    }
    const huge = Buffer.from(whole)
    huge.writeUInt16BE(10_000, sof + 5)
    huge.writeUInt16BE(10_000, sof + 7)
    await rejects(huge, /exceeds the 50 MP pixel limit/)
    await rejects(Buffer.concat([whole.subarray(0, 2), segment(0xf7, Buffer.alloc(4)), whole.subarray(2)]), /unsupported marker/)
    await rejects(Buffer.concat([whole.subarray(0, 2), Buffer.from([0x00]), whole.subarray(2)]), /unexpected data/)
    const longSegment = Buffer.from(whole)
    longSegment.writeUInt16BE(0xffff, 4)
    await rejects(longSegment, /JPEG ends before/)
    await rejects(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), /no image data/)
    assert.throws(() => filterJpeg(huge), /pixel limit/, 'refused from the header, before any decoder allocates')
    // Bytes hidden inside a table segment, past its last table: refused, not copied.
    for (const [marker, reason] of [[0xdb, /quantization table length/], [0xc4, /Huffman table length/]] as const) {
      const at = whole.indexOf(Buffer.from([0xff, marker]))
      const length = whole.readUInt16BE(at + 2)
      const hidden = Buffer.concat([whole.subarray(0, at + 2), Buffer.from([(length + 3) >> 8, (length + 3) & 0xff]), whole.subarray(at + 4, at + 2 + length), Buffer.from([0x00, 0x01, 0x02]), whole.subarray(at + 2 + length)])
      assert.throws(() => filterJpeg(hidden), reason)
    }
  })

  test('more segments than any camera writes are refused; an unknown Adobe colour transform is refused', async () => {
    const whole = (await jpegVariants())['baseline 4:2:0'] as Buffer
    // 1,100 empty comments: each would be dropped, but parsing them all is work a camera never asks for.
    const comments = Array.from({ length: 1_100 }, () => segment(0xfe, Buffer.alloc(0)))
    await rejects(Buffer.concat([whole.subarray(0, 2), ...comments, whole.subarray(2)]), /too many segments/)
    const adobe = Buffer.concat([Buffer.from('Adobe', 'latin1'), Buffer.from([0, 100, 0, 0, 0, 0, 3])])
    await rejects(Buffer.concat([whole.subarray(0, 2), segment(0xee, adobe), whole.subarray(2)]), /unknown Adobe colour transform/)
  })

  test('metadata between the scans of a progressive file and a JFIF thumbnail are dropped too', async () => {
    const progressive = (await jpegVariants()).progressive as Buffer
    const secondSos = progressive.indexOf(Buffer.from([0xff, 0xda]), progressive.indexOf(Buffer.from([0xff, 0xda])) + 2)
    assert.ok(secondSos > 0, 'fixture has several scans')
    const xmp = segment(0xe1, Buffer.from(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>${PLANTED.xmp}</x:xmpmeta>`, 'latin1'))
    const comment = segment(0xfe, Buffer.from(PLANTED.comment, 'latin1'))
    // JFIF 1.02 with a 2×1 RGB thumbnail whose bytes spell the planted text.
    const thumb = Buffer.from(PLANTED.thumb.slice(0, 6), 'latin1')
    const jfif = segment(0xe0, Buffer.concat([Buffer.from('JFIF\0', 'latin1'), Buffer.from([1, 2, 0, 0, 1, 0, 1, 2, 1]), thumb]))
    const input = Buffer.concat([progressive.subarray(0, 2), jfif, progressive.subarray(2, secondSos), xmp, comment, progressive.subarray(secondSos)])
    const out = await lossless(input)
    assert.ok(!out.data.includes(Buffer.from(PLANTED.xmp)) && !out.data.includes(Buffer.from(PLANTED.comment)), 'APPn and COM between scans are gone')
    assert.ok(!out.data.includes(thumb), 'the JFIF thumbnail is gone')
    const app0 = out.data.indexOf(Buffer.from('JFIF\0', 'latin1'))
    assert.equal(out.data.readUInt16BE(app0 - 2), 16, 'JFIF rebuilt from its fixed fields')
    assert.deepEqual(await pixels(out.data), await pixels(input), 'pixels unchanged')
  })

  test('a progressive file with more scans than any encoder writes is refused before decoding', async () => {
    const progressive = (await jpegVariants()).progressive as Buffer
    const firstSos = progressive.indexOf(Buffer.from([0xff, 0xda]))
    const eoi = progressive.length - 2
    // Repeat the last refinement scan until there are > 100 scans.
    const lastSos = progressive.lastIndexOf(Buffer.from([0xff, 0xda]))
    const scan = progressive.subarray(lastSos, eoi)
    const bomb = Buffer.concat([progressive.subarray(0, eoi), ...Array<Buffer>(120).fill(scan), progressive.subarray(eoi)])
    assert.ok(firstSos > 0)
    await rejects(bomb, /too many scans/)
  })
})

describe('lossless PNG', () => {
  for (const name of PNG_VARIANTS) {
    test(`pixel-identical: ${name}`, async () => {
      const input = (await pngVariants())[name] as Buffer
      const out = await lossless(Buffer.concat([input, polyglotTrailer()]))
      assert.deepEqual([out.ext, out.contentType], ['png', 'image/png'])
      assert.deepEqual(await pixels(out.data), await pixels(input))
      assert.ok(input.includes(out.data.subarray(out.data.indexOf(Buffer.from('IDAT')) - 4)), 'image data and IEND as uploaded')
      assert.deepEqual(filterPng(out.data).data, out.data)
    })
  }

  test('text, XMP, EXIF and ICC chunks are dropped; pixels stay', async () => {
    const input = await metadataPng()
    const before = await sharp(input).metadata()
    assert.ok(before.icc, 'fixture carries ICC')
    const out = await lossless(input)
    const meta = await sharp(out.data).metadata()
    assert.equal(meta.icc, undefined)
    assert.equal(meta.xmp, undefined)
    assert.equal(meta.exif, undefined)
    assert.ok(!out.data.includes(Buffer.from('iCCP')) && !out.data.includes(Buffer.from('tEXt')) && !out.data.includes(Buffer.from('eXIf')))
    assertNonePlanted(out.data)
    assert.deepEqual(await pixels(out.data), await pixels(input))
  })

  test('rejected: bad CRC, oversized chunk length, unknown critical chunk, pixel flood, truncated, IHDR not first', async () => {
    const png = (await pngVariants()).RGBA as Buffer
    const badCrc = Buffer.from(png)
    badCrc[40] = (badCrc[40] as number) ^ 0x01 // inside the first IDAT (or the chunk after IHDR)
    await rejects(badCrc, /bad chunk CRC/)
    const textCrc = insertChunks(png, [pngChunk('tEXt', Buffer.from('a\0b'))])
    textCrc[textCrc.indexOf(Buffer.from('tEXt')) + 4] = 0x63 // a dropped chunk is checked too
    await rejects(textCrc, /bad chunk CRC/)
    const huge = Buffer.from(png)
    huge.writeUInt32BE(0x80000000, 33)
    await rejects(huge, /chunk length out of range/)
    const long = Buffer.from(png)
    long.writeUInt32BE(0x7fff0000, 33)
    await rejects(long, /PNG ends before/)
    await rejects(insertChunks(png, [pngChunk('ABCD', Buffer.alloc(3))]), /unsupported critical chunk ABCD/)
    await lossless(insertChunks(png, [pngChunk('abCD', Buffer.alloc(3))])) // ancillary unknown: dropped
    await rejects(pngBomb(10_000, 10_000), /exceeds the 50 MP pixel limit/)
    assert.throws(() => filterPng(pngBomb(10_000, 10_000)), /pixel limit/, 'refused from IHDR, before any decoder allocates')
    await rejects(png.subarray(0, png.length - 12), /PNG ends before its IEND/)
    await rejects(Buffer.concat([png.subarray(0, 8), pngChunk('gAMA', Buffer.from([0, 1, 0x86, 0xa0])), png.subarray(8)]), /IHDR must come first/)
    const corruptData = Buffer.from(png)
    const idat = corruptData.indexOf(Buffer.from('IDAT'))
    corruptData.fill(0x55, idat + 10, idat + 40)
    const idatLength = corruptData.readUInt32BE(idat - 4)
    corruptData.writeUInt32BE(crc32(corruptData.subarray(idat, idat + 4 + idatLength)), idat + 4 + idatLength) // a valid CRC over bad data
    await rejects(corruptData, /could not be decoded/)
  })
})

test('anything else is refused, and MAX_INPUT_PIXELS is the documented 50 MP', async () => {
  assert.equal(MAX_INPUT_PIXELS, 50_000_000)
  await rejects(Buffer.from('GIF89a'), /unsupported image format/)
  await rejects(Buffer.alloc(0), /unsupported image format/)
})
