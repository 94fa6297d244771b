import { filamentNeeds, MAX_PROJECT_SETTINGS_CHARS, MAX_SLICE_INFO_CHARS, type FilamentNeeds } from '@printforge/domain'
import { AppError } from '@printforge/errors'
import yauzl from 'yauzl'

/** Zip-bomb bounds for a sliced Bambu project (docs/product.md §4.5). Real projects are far below them. */
export const MODEL_LIMITS = {
  maxEntries: 2_000,
  /** total declared uncompressed size */
  maxUncompressedBytes: 4 * 1024 ** 3,
  /** G-code deflates ~5–10×; hundreds-to-one is a bomb, not a print */
  maxCompressionRatio: 200,
}

export interface ModelSummary {
  entries: number
  uncompressedBytes: number
  plateGcodeBytes: number
  /** What the plate needs loaded; null when the archive has no Metadata/slice_info.config. */
  filaments: FilamentNeeds | null
}

/** The metadata read for filament-aware dispatch, each inflated only up to its bound. */
const METADATA = { sliceInfo: ['Metadata/slice_info.config', MAX_SLICE_INFO_CHARS], projectSettings: ['Metadata/project_settings.config', MAX_PROJECT_SETTINGS_CHARS] } as const

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04])

/** A 3MF is a ZIP: refuse anything else by its first bytes, whatever it is called. */
export function assertZipMagic(head: Buffer) {
  if (head.length < 4 || !head.subarray(0, 4).equals(ZIP_MAGIC)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The model must be a sliced .gcode.3mf (a ZIP archive).')
  }
}

const openZip = (path: string) =>
  new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    ),
  )

/**
 * Reads the central directory without inflating anything but the plate's G-code, which is
 * inflated once with yauzl's size validation on (a header that lies about the size fails).
 * Throws 413 for bombs, 400 for a project without `Metadata/plate_<plate>.gcode`, 415 for a
 * broken archive. The filament metadata (slice_info.config, project_settings.config) is read
 * within its bounds: absent → no filament information; unreadable → 400 (packages/domain).
 */
export async function validateModel(path: string, plate: number): Promise<ModelSummary> {
  let zip: yauzl.ZipFile
  try {
    zip = await openZip(path)
  } catch {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The model is not a readable ZIP archive.')
  }
  const wanted = `Metadata/plate_${plate}.gcode`
  try {
    if (zip.entryCount > MODEL_LIMITS.maxEntries) throw new AppError('PAYLOAD_TOO_LARGE', `The model has more than ${MODEL_LIMITS.maxEntries} entries.`)
    let entries = 0
    let uncompressedBytes = 0
    let plateEntry: yauzl.Entry | undefined
    const metadata: { sliceInfo?: yauzl.Entry; projectSettings?: yauzl.Entry } = {}
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject)
      zip.on('end', resolve)
      zip.on('entry', (entry: yauzl.Entry) => {
        entries++
        uncompressedBytes += entry.uncompressedSize
        const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize)
        if (uncompressedBytes > MODEL_LIMITS.maxUncompressedBytes || (entry.uncompressedSize > 1024 * 1024 && ratio > MODEL_LIMITS.maxCompressionRatio)) {
          reject(new AppError('PAYLOAD_TOO_LARGE', 'The model expands beyond the allowed size (zip bomb guard).'))
          return
        }
        if (entry.fileName.split('/').includes('..') || entry.fileName.startsWith('/')) {
          reject(new AppError('VALIDATION_FAILED', 'The model contains an unsafe entry name.'))
          return
        }
        if (entry.fileName === wanted) plateEntry = entry
        if (entry.fileName === METADATA.sliceInfo[0]) metadata.sliceInfo = entry
        if (entry.fileName === METADATA.projectSettings[0]) metadata.projectSettings = entry
        zip.readEntry()
      })
      zip.readEntry()
    })
    if (!plateEntry) throw new AppError('VALIDATION_FAILED', `The model has no ${wanted}: slice the plate before uploading.`)
    const plateGcodeBytes = await inflatedSize(zip, plateEntry)
    const sliceInfo = metadata.sliceInfo ? await readText(zip, metadata.sliceInfo, METADATA.sliceInfo) : null
    const projectSettings = metadata.projectSettings && sliceInfo !== null ? await readText(zip, metadata.projectSettings, METADATA.projectSettings) : null
    return { entries, uncompressedBytes, plateGcodeBytes, filaments: filamentNeeds(sliceInfo, projectSettings, plate) }
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The model archive is corrupt.', { cause: err })
  } finally {
    zip.close()
  }
}

function inflatedSize(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<number> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err)
      let bytes = 0
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length))
      stream.on('error', reject)
      stream.on('end', () => resolve(bytes))
    })
  })
}

/**
 * A metadata entry as UTF-8 text, refused (400) when it declares or inflates to more than its
 * bound: the declared size is checked first, and the inflated bytes are counted as they come, so
 * a lying header never makes us hold more than the bound.
 */
function readText(zip: yauzl.ZipFile, entry: yauzl.Entry, [name, limit]: readonly [string, number]): Promise<string> {
  const tooLarge = () => new AppError('VALIDATION_FAILED', `The model's ${name} is larger than ${limit} bytes.`)
  if (entry.uncompressedSize > limit) return Promise.reject(tooLarge())
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err)
      const chunks: Buffer[] = []
      let bytes = 0
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes > limit) {
          stream.destroy()
          return reject(tooLarge())
        }
        chunks.push(chunk)
      })
      stream.on('error', reject)
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    })
  })
}
