// The stored bytes must decode cleanly: the structural filter copies entropy-coded data it cannot
// judge, so libvips decodes every block of the output before it is stored.
//
// failOn 'warning': libjpeg reports corrupt or truncated entropy data ("premature end of data
// segment", bad Huffman codes, unexpected restart markers) only as warnings and pads the image with
// grey; 'error' and 'truncated' let those through (measured: test/sanitize.test.ts).
// A JPEG decodes at 1/8 scale (libjpeg's DCT scaling, shrink-on-load): every Huffman code is still
// read and checked, but only the DC coefficients are transformed — ~50 ms instead of ~190 ms of CPU
// for a 12 MP photo. PNG has no such shortcut: it is decoded in full, streaming.
import sharp from 'sharp'
import { describeDecodeError, ImageRejected, MAX_INPUT_PIXELS } from '../image.js'

export async function assertDecodes(data: Buffer, width: number, height: number): Promise<void> {
  try {
    // A factor ≥ 8 (floor) is what makes sharp pick libjpeg's 1/8 scale; nearest: no resampling work.
    await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'warning', sequentialRead: true })
      .resize({ width: Math.max(1, Math.floor(width / 8)), height: Math.max(1, Math.floor(height / 8)), fit: 'fill', fastShrinkOnLoad: true, kernel: 'nearest' })
      .raw()
      .toBuffer()
  } catch (err) {
    throw new ImageRejected(describeDecodeError(err))
  }
}
