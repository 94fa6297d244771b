// Property-based fuzzing of the lossless sanitizer (src/scans/sanitize): arbitrary bytes, and real
// JPEG/PNG files with flipped, inserted and cut bytes and rewritten length fields. Whatever comes
// in, the sanitizer returns or throws ImageRejected (nothing else, and it returns), never grows the
// file by more than the rebuilt Orientation block, and what it returns sanitizes to itself.
// Seeded: a failure prints its seed and path, and re-runs the same way.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import fc from 'fast-check'
import { ImageRejected } from '../src/scans/image.ts'
import { ORIENTATION_APP1_BYTES } from '../src/scans/sanitize/exif-orientation.ts'
import { sanitizeImage } from '../src/scans/sanitize/index.ts'
import { filterJpeg, isJpeg, type FilteredImage } from '../src/scans/sanitize/jpeg.ts'
import { filterPng } from '../src/scans/sanitize/png.ts'
import { cameraJpeg, jpegVariants, pngVariants } from './sanitize-images.ts'

const SEED = 0x5ca11
/** Parser-only properties are cheap (µs per case); the ones that also decode cost a few ms each. */
const RUNS = { bytes: 10_000, mutatedParse: 10_000, mutatedDecode: 600 }

/** filterJpeg or filterPng by signature, as sanitizeImage picks; null when ImageRejected. */
function filter(input: Buffer): FilteredImage | null {
  try {
    return isJpeg(input) ? filterJpeg(input) : filterPng(input)
  } catch (err) {
    if (err instanceof ImageRejected) return null
    throw err
  }
}

function assertSanitizedProperties(input: Buffer, out: FilteredImage | null): void {
  if (!out) return
  assert.ok(out.data.length <= input.length + ORIENTATION_APP1_BYTES, 'never grows beyond the Orientation block')
  const again = filter(out.data)
  assert.ok(again, 'accepted output is accepted again')
  assert.deepEqual(again.data, out.data, 'idempotent')
}

/** Offsets of JPEG segment length fields and PNG chunk length fields, found leniently (mutations target them). */
function lengthFields(file: Buffer): number[] {
  const at: number[] = []
  if (isJpeg(file)) {
    for (let i = 2; i + 3 < file.length; i++) if (file[i] === 0xff && (file[i + 1] ?? 0) >= 0xc0 && file[i + 1] !== 0xff && ((file[i + 1] ?? 0) < 0xd0 || (file[i + 1] ?? 0) > 0xd9)) at.push(i + 2)
  } else {
    for (let p = 8; p + 12 <= file.length; p += 12 + file.readUInt32BE(p)) at.push(p)
  }
  return at
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'cut'; at: number }
  | { kind: 'length'; field: number; value: number; wide: boolean }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0xff, 0xd8, 0xd9, 0xda, 0xc0, 0xc2, 0xd0, 0xe1, 0x7f) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), field: fc.nat(), value: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.nat(), fc.constantFrom(0xffff, 0xffffffff, 0x7fffffff, 0x80000000)), wide: fc.boolean() }),
)

function mutate(file: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(file)
  for (const m of mutations) {
    if (out.length === 0) break
    const at = 'at' in m ? m.at % out.length : 0
    if (m.kind === 'flip') out[at] = (out[at] ?? 0) ^ (1 << m.bit)
    else if (m.kind === 'set') out[at] = m.byte
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)])
    else if (m.kind === 'cut') out = out.subarray(0, at)
    else {
      const fields = lengthFields(out)
      const field = fields[m.field % Math.max(1, fields.length)]
      if (field === undefined) continue
      if (isJpeg(out) && field + 2 <= out.length) out.writeUInt16BE(m.value & 0xffff, field)
      else if (field + 4 <= out.length) out.writeUInt32BE(m.wide ? m.value >>> 0 : m.value & 0xffff, field)
    }
  }
  return out
}

describe('sanitizer fuzz', () => {
  let files: Buffer[] = []
  before(async () => {
    files = [...Object.values(await jpegVariants()), await cameraJpeg(6, true), await cameraJpeg(3, false), ...Object.values(await pngVariants())]
  })
  const fileAndMutations = () => fc.tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }))

  test('arbitrary bytes, with and without a JPEG or PNG signature', { timeout: 30_000 }, () => {
    const prefix = fc.constantFrom(Buffer.alloc(0), Buffer.from([0xff, 0xd8]), Buffer.from([0xff, 0xd8, 0xff]), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 512 }), (head, body) => {
        const input = Buffer.concat([head, body])
        assertSanitizedProperties(input, filter(input))
      }),
      { seed: SEED, numRuns: RUNS.bytes },
    )
  })

  test('real files, mutated: the structural filter', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(fileAndMutations(), ([pick, mutations]) => {
        const input = mutate(files[pick % files.length] as Buffer, mutations)
        assertSanitizedProperties(input, filter(input))
      }),
      { seed: SEED, numRuns: RUNS.mutatedParse },
    )
  })

  test('real files, mutated: the whole lossless path, decode included', { timeout: 60_000 }, async () => {
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(fileAndMutations(), async ([pick, mutations]) => {
        const input = mutate(files[pick % files.length] as Buffer, mutations)
        let out
        try {
          out = await sanitizeImage(input, 'lossless')
        } catch (err) {
          assert.ok(err instanceof ImageRejected, `only ImageRejected, got ${String(err)}`)
          return
        }
        accepted++
        assert.ok(out.data.length <= input.length + ORIENTATION_APP1_BYTES)
        assert.deepEqual((await sanitizeImage(out.data, 'lossless')).data, out.data, 'idempotent, and the stored bytes decode again')
      }),
      { seed: SEED, numRuns: RUNS.mutatedDecode },
    )
    // Not only rejections: many single-byte changes land in pixel data and still decode.
    assert.ok(accepted > RUNS.mutatedDecode / 10, `accepted ${accepted}`)
  })
})
