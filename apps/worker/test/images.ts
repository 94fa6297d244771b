import sharp from 'sharp'

/** A JPEG carrying EXIF with a GPS block (the privacy leak docs/product.md §6 strips). */
export function gpsJpeg(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 20 } } })
    .jpeg()
    .withExif({ IFD0: { Make: 'PrintForgeCam', Model: 'X' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' } })
    .toBuffer()
}

/** Whether an EXIF block holds the GPS IFD pointer (tag 0x8825), in either byte order. */
export const hasGpsTag = (exif: Buffer) => exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88]))

// The pixel-flood PNG is shared with the API's upload tests.
export { pngBomb } from '../../api/test/images.ts'

/** A JPEG cut in half: the header decodes, the scan data does not. */
export async function truncatedJpeg(): Promise<Buffer> {
  const whole = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 10, g: 200, b: 90 } } }).jpeg().toBuffer()
  return whole.subarray(0, Math.floor(whole.length / 2))
}
