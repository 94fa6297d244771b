// Multipart bodies for the fuzz suites: an acceptable body, one with a random part spliced in, or
// random parts, with counts around the parser limits, bodies cut inside a part, wrong, missing and
// huge boundaries, huge field and file names, and real JPEG, PNG and ZIP files or their first bytes.
import fc from 'fast-check'
import { pct } from './fuzz.arbitraries.ts'
import { jpeg, png, pngBomb } from './images.ts'
import { slicedProject, zip } from './models.ts'

export type UploadRoute = 'jobs' | 'manufacturing' | 'print-files'

type Source = 'jpeg' | 'png' | 'zip' | 'bomb' | 'random' | 'bigZip'
/** File content: a real file, possibly cut to its first bytes and followed by random ones. */
interface Content {
  src: Source
  head?: number
  tail: Uint8Array
}
type FieldValue = { lit: string } | { ref: 'printer' | 'scanJob'; pick: number } | { huge: number }

interface Part {
  file: boolean
  name: string
  filename: string
  value: FieldValue
  content: Content
  contentType?: string
  disposition: 'quoted' | 'star' | 'unquoted' | 'noName' | 'missing' | 'attachment'
  /** Extra part headers: past 16 pairs busboy stops reading headers. */
  extraHeaders: number
}

export interface MultipartBody {
  parts: Part[]
  boundary: string
  header: 'same' | 'none' | 'empty' | 'other' | 'quoted' | 'twice' | 'mixed' | 'json'
  ending: 'close' | 'open' | 'cut' | 'epilogue' | 'bare'
  cutAt: number
  preamble: boolean
}

const sizes = fc.constantFrom(65, 256, 1_025, 8_001, 20_000)
const fileNames = fc.oneof(
  fc.constantFrom('a.jpg', 'b.png', 'c.jpeg', 'A.JPG', 'm.gcode.3mf', 'm.3mf', 'M.3MF', 'noext', '.jpg', 'a.jpg.exe', 'a.png.jpg', '../../etc/passwd.jpg', 'C:\\x\\a.jpg', 'a\u0000.jpg', 'a".jpg', 'ü😀.png', ' .3mf', 'a.3mf ', ''),
  fc.tuple(sizes, fc.constantFrom('.jpg', '.3mf', '.png')).map(([n, ext]) => `${'n'.repeat(n)}${ext}`),
  fc.string({ maxLength: 12 }),
)

const content: fc.Arbitrary<Content> = fc.record({
  src: fc.constantFrom<Source>('jpeg', 'jpeg', 'png', 'zip', 'zip', 'bomb', 'random', 'bigZip'),
  head: fc.option(fc.constantFrom(0, 2, 4, 10, 100, 300), { nil: undefined }),
  tail: fc.oneof({ weight: 3, arbitrary: fc.constant(new Uint8Array()) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }) }),
}, { requiredKeys: ['src', 'tail'] })

const MODEL_FIELDS = ['printerId', 'model', 'plate', 'scanJobId', 'useAms', 'amsMapping', 'bedLeveling', 'timelapse']
const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('P1S', 'X1C', 'X9', '1', '0', '65', '1.5', '-1', 'true', 'false', '1e3', 'maybe', '[0,1,-1]', '[1,"x"]', `[${'1,'.repeat(16)}1]`, '[[[[[[[[[[]]]]]]]]]]', '{}', 'null', 'Benchy', '', ' ', 'a\u0000b', '\u202e').map((lit) => ({ lit })) },
  { weight: 2, arbitrary: fc.record({ ref: fc.constantFrom('printer' as const, 'scanJob' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.uuid().map((lit) => ({ lit })) },
  { weight: 1, arbitrary: fc.constantFrom(1_025, 2_001, 8_001, 30_000).map((huge) => ({ huge })) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map((lit) => ({ lit })) },
)

function part(route: UploadRoute): fc.Arbitrary<Part> {
  const names =
    route === 'jobs' ? ['title', 'notes', 'images', 'images', 'images']
      : route === 'print-files' ? [...MODEL_FIELDS, 'name', 'productRef', 'model', 'model']
        : [...MODEL_FIELDS, 'model', 'model']
  return fc.record({
    file: fc.boolean(),
    name: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.constantFrom('', 'status', '__proto__', 'images[]', 'Title', 'model"; filename="x.jpg') }, { weight: 1, arbitrary: sizes.map((n) => 'f'.repeat(n)) }),
    filename: fileNames,
    value: fieldValue,
    content,
    contentType: fc.option(fc.constantFrom('image/jpeg', 'image/png', 'application/zip', 'text/html', 'image/svg+xml', 'application/octet-stream', ''), { nil: undefined }),
    disposition: fc.oneof({ weight: 12, arbitrary: fc.constant('quoted' as const) }, { weight: 1, arbitrary: fc.constantFrom('star' as const, 'unquoted' as const, 'noName' as const, 'missing' as const, 'attachment' as const) }),
    extraHeaders: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 15, 16, 17, 40) }),
  }, { requiredKeys: ['file', 'name', 'filename', 'value', 'content', 'disposition', 'extraHeaders'] })
}

const plain = (name: string, value: FieldValue): Part => ({ file: false, name, filename: '', value, content: { src: 'random', tail: new Uint8Array() }, disposition: 'quoted', extraHeaders: 0 })
const upload = (name: string, filename: string, src: Source): Part => ({ file: true, name, filename, value: { lit: '' }, content: { src, tail: new Uint8Array() }, contentType: 'application/octet-stream', disposition: 'quoted', extraHeaders: 0 })

/** A body the route accepts, so that storage, quota, idempotency and the commit are reached too. */
function acceptable(route: UploadRoute): fc.Arbitrary<Part[]> {
  if (route === 'jobs') {
    const image = fc.constantFrom(upload('images', 'a.jpg', 'jpeg'), upload('images', 'b.png', 'png'), upload('images', 'c.JPEG', 'jpeg'))
    return fc.tuple(fc.array(image, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([images, notes]) => [
      plain('title', { lit: 'Vase' }), ...(notes ? [plain('notes', { lit: 'matte' })] : []), ...images,
    ])
  }
  const options = fc.subarray([plain('plate', { lit: '1' }), plain('useAms', { lit: 'true' }), plain('amsMapping', { lit: '[0,1,-1]' }), plain('timelapse', { lit: 'false' })])
  if (route === 'print-files') {
    // A print file names its printer model (never a printer) and may carry a product reference.
    const productRef = fc.option(fc.stringMatching(/^[A-Z0-9-]{1,12}$/).map((ref) => plain('productRef', { lit: ref })), { nil: undefined })
    return fc.tuple(productRef, options).map(([ref, o]) => [
      plain('model', { lit: 'P1S' }), plain('name', { lit: 'Benchy' }), ...(ref ? [ref] : []), ...o, upload('model', 'benchy.gcode.3mf', 'zip'),
    ])
  }
  const target = fc.oneof(fc.constant(plain('model', { lit: 'P1S' })), fc.nat().map((pick) => plain('printerId', { ref: 'printer', pick })))
  return fc.tuple(target, options).map(([t, o]) => [t, ...o, upload('model', 'benchy.gcode.3mf', 'zip')])
}

/**
 * Parts: an acceptable body, one with a random part spliced in, or random parts — mostly a few,
 * sometimes right around the parser's limits (jobs: 2 fields + 50 files = 52 parts; models: 8 + 1 = 9).
 */
export function multipartBody(route: UploadRoute): fc.Arbitrary<MultipartBody> {
  const around = route === 'jobs' ? [49, 50, 51, 52, 53, 60] : [8, 9, 10, 12]
  const count = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(...around) })
  const random = count.chain((n) => fc.array(part(route), { minLength: n, maxLength: n }))
  const spliced = fc.tuple(acceptable(route), part(route), fc.nat()).map(([parts, extra, at]) => parts.toSpliced(at % (parts.length + 1), 0, extra))
  return fc.record({
    parts: fc.oneof({ weight: 2, arbitrary: acceptable(route) }, { weight: 2, arbitrary: spliced }, { weight: 3, arbitrary: random }),
    boundary: fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,40}$/) }, { weight: 1, arbitrary: fc.constantFrom('a', '-', 'x'.repeat(70), 'x'.repeat(71), 'y'.repeat(300), 'a b') }),
    header: fc.oneof({ weight: 12, arbitrary: fc.constant('same' as const) }, { weight: 1, arbitrary: fc.constantFrom('none' as const, 'empty' as const, 'other' as const, 'quoted' as const, 'twice' as const, 'mixed' as const, 'json' as const) }),
    ending: fc.oneof({ weight: 8, arbitrary: fc.constant('close' as const) }, { weight: 1, arbitrary: fc.constantFrom('open' as const, 'cut' as const, 'cut' as const, 'epilogue' as const, 'bare' as const) }),
    cutAt: fc.nat(),
    preamble: fc.boolean(),
  })
}

export interface Files {
  jpeg: Buffer
  png: Buffer
  zip: Buffer
  bomb: Buffer
  bigZip: Buffer
}

function fileBytes(files: Files, c: Content): Buffer {
  const whole = c.src === 'random' ? Buffer.alloc(0) : files[c.src]
  return Buffer.concat([c.head === undefined ? whole : whole.subarray(0, c.head), Buffer.from(c.tail)])
}

/** Rows a field may name (printerId, scanJobId): seeded ones, so the lookups find something. */
export interface Refs {
  printers: string[]
  scanJobs: string[]
}

function fieldText(refs: Refs, v: FieldValue): string {
  if ('lit' in v) return v.lit
  if ('huge' in v) return 'v'.repeat(v.huge)
  const list = v.ref === 'printer' ? refs.printers : refs.scanJobs
  return list[v.pick % list.length] ?? '00000000-0000-4000-8000-000000000000'
}

/** The real files the bodies carry; `maxModelBytes` sizes the over-limit model. */
export async function loadFiles(maxModelBytes: number): Promise<Files> {
  return {
    jpeg: await jpeg(),
    png: await png(),
    zip: await slicedProject(),
    bomb: pngBomb(10_000, 10_000),
    bigZip: await zip([['Metadata/plate_1.gcode', 'G28\n'], ['pad.bin', Buffer.alloc(maxModelBytes + 1, 7), false]]),
  }
}

export function encodeMultipart(refs: Refs, files: Files, b: MultipartBody): { payload: Buffer; contentType: string } {
  const chunks: Buffer[] = [Buffer.from(b.preamble ? 'preamble to ignore\r\n' : '')]
  for (const p of b.parts) {
    const filename = p.disposition === 'star' ? `filename*=UTF-8''${pct(p.filename)}` : p.disposition === 'unquoted' ? `filename=${p.filename}` : `filename="${p.filename}"`
    const name = p.disposition === 'unquoted' ? `name=${p.name}` : `name="${p.name}"`
    const disposition = `${p.disposition === 'attachment' ? 'attachment' : 'form-data'}${p.disposition === 'noName' ? '' : `; ${name}`}${p.file ? `; ${filename}` : ''}`
    const lines = [
      ...(p.disposition === 'missing' ? [] : [`Content-Disposition: ${disposition}`]),
      ...(p.contentType !== undefined ? [`Content-Type: ${p.contentType}`] : []),
      ...Array.from({ length: p.extraHeaders }, (_, i) => `X-Extra-${i}: ${i}`),
    ]
    chunks.push(Buffer.from(`--${b.boundary}\r\n${lines.join('\r\n')}\r\n\r\n`, 'utf8'))
    chunks.push(p.file ? fileBytes(files, p.content) : Buffer.from(fieldText(refs, p.value), 'utf8'))
    chunks.push(Buffer.from('\r\n'))
  }
  const close = { close: `--${b.boundary}--\r\n`, open: '', cut: `--${b.boundary}--\r\n`, epilogue: `--${b.boundary}--\r\nepilogue`, bare: `--${b.boundary}--` }[b.ending]
  chunks.push(Buffer.from(close))
  let payload = Buffer.concat(chunks)
  if (b.ending === 'cut') payload = payload.subarray(0, b.cutAt % (payload.length + 1))
  const type = {
    same: `multipart/form-data; boundary=${b.boundary}`,
    none: 'multipart/form-data',
    empty: 'multipart/form-data; boundary=',
    other: `multipart/form-data; boundary=${b.boundary}x`,
    quoted: `multipart/form-data; boundary="${b.boundary}"`,
    twice: `multipart/form-data; boundary=${b.boundary}; boundary=other`,
    mixed: `multipart/mixed; boundary=${b.boundary}`,
    json: 'application/json',
  }[b.header]
  return { payload, contentType: type }
}
