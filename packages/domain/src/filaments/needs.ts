// What a sliced model needs loaded: per plate, the project's filament slots it uses, with type and
// colour. Read from the archive's metadata (untrusted bytes: the caller bounds their size, these
// parsers bound the work). Bambu Studio writes `Metadata/slice_info.config` (XML, one <plate> with
// <filament id type color used_g/> per filament the plate prints with) and
// `Metadata/project_settings.config` (JSON; `filament_type` has one entry per project filament,
// which is the length of `ams_mapping`, docs/bambu-protocol.md §2.4).
import { AppError } from '@printforge/errors'

export interface FilamentNeed {
  /** 1-based project filament index (the slicer's filament id); `ams_mapping[slot - 1]`. */
  slot: number
  /** e.g. PLA, PETG-CF; compared case-insensitively. */
  type: string
  /** RRGGBB, upper case (an alpha byte in the file is dropped). */
  color: string
}

/** What one plate needs: `slots` project filaments in all, `filaments` the ones it prints with. */
export interface FilamentNeeds {
  slots: number
  filaments: FilamentNeed[]
}

/** The most filaments a project may declare (Studio's own limit is lower). */
export const MAX_FILAMENT_SLOTS = 32
/** slice_info.config of a 64-plate project is a few hundred KiB at most. */
export const MAX_SLICE_INFO_CHARS = 512 * 1024
/** project_settings.config is ~100 KiB in practice. */
export const MAX_PROJECT_SETTINGS_CHARS = 4 * 1024 * 1024

const TYPE = /^[A-Za-z0-9][A-Za-z0-9+_. -]{0,31}$/
const COLOR = /^#([0-9A-Fa-f]{6})(?:[0-9A-Fa-f]{2})?$/
const NAME_CHAR = /[A-Za-z0-9_.:-]/

const malformed = (file: string, why: string) => new AppError('VALIDATION_FAILED', `The model's Metadata/${file} is malformed: ${why}. Re-slice and export the plate again.`)

const tagName = (tag: string) => /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(tag)?.[0] ?? ''

/**
 * `name="value"` pairs after the tag name, by a linear scan (a regex over attacker-sized text can
 * backtrack quadratically). Anything that is not such a pair ends the scan.
 */
function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>()
  let i = tagName(tag).length
  for (;;) {
    while (i < tag.length && (tag[i] === ' ' || tag[i] === '\t' || tag[i] === '\n' || tag[i] === '\r')) i++
    const nameStart = i
    while (i < tag.length && NAME_CHAR.test(tag[i]!)) i++
    if (i === nameStart || tag[i] !== '=' || tag[i + 1] !== '"') return out
    const name = tag.slice(nameStart, i)
    const close = tag.indexOf('"', i + 2)
    if (close < 0) return out
    if (!out.has(name)) out.set(name, tag.slice(i + 2, close))
    i = close + 1
  }
}

/** The tags (`<name …>` text, without brackets) in `body`, by a linear scan: no backtracking regex over the whole text. */
function* tags(body: string): Generator<string> {
  let at = 0
  for (;;) {
    const open = body.indexOf('<', at)
    if (open < 0) return
    const close = body.indexOf('>', open + 1)
    if (close < 0) throw malformed('slice_info.config', 'an unterminated tag')
    yield body.slice(open + 1, close)
    at = close + 1
  }
}

function filamentOf(tag: string): FilamentNeed {
  const a = attributes(tag)
  const id = a.get('id') ?? ''
  const slot = /^\d{1,3}$/.test(id) ? Number(id) : NaN
  if (!(slot >= 1 && slot <= MAX_FILAMENT_SLOTS)) throw malformed('slice_info.config', `a filament id outside 1–${MAX_FILAMENT_SLOTS}`)
  const type = (a.get('type') ?? '').trim()
  if (!TYPE.test(type)) throw malformed('slice_info.config', `filament ${slot} has no readable type`)
  const color = COLOR.exec(a.get('color') ?? '')
  if (!color) throw malformed('slice_info.config', `filament ${slot} has no #RRGGBB colour`)
  return { slot, type, color: color[1]!.toUpperCase() }
}

/** Per plate index (1-based), the filaments slice_info.config lists for it. */
export function parseSliceInfo(xml: string): Map<number, FilamentNeed[]> {
  if (xml.length > MAX_SLICE_INFO_CHARS) throw malformed('slice_info.config', 'it is too large')
  const plates = new Map<number, FilamentNeed[]>()
  let at = 0
  for (;;) {
    const start = xml.indexOf('<plate>', at)
    if (start < 0) break
    const end = xml.indexOf('</plate>', start)
    if (end < 0) throw malformed('slice_info.config', 'an unterminated <plate>')
    let index: number | null = null
    const filaments: FilamentNeed[] = []
    for (const tag of tags(xml.slice(start + 7, end))) {
      const name = tagName(tag)
      if (name === 'metadata') {
        const a = attributes(tag)
        if (a.get('key') === 'index') index = /^\d{1,2}$/.test(a.get('value') ?? '') ? Number(a.get('value')) : NaN
      } else if (name === 'filament') {
        const f = filamentOf(tag)
        if (filaments.some((g) => g.slot === f.slot)) throw malformed('slice_info.config', `filament ${f.slot} is listed twice in one plate`)
        filaments.push(f)
      } else if (name === 'plate') {
        throw malformed('slice_info.config', 'a <plate> inside a <plate>')
      }
    }
    if (index === null || !(index >= 1 && index <= 64)) throw malformed('slice_info.config', 'a <plate> without an index from 1 to 64')
    if (plates.has(index)) throw malformed('slice_info.config', `plate ${index} is described twice`)
    plates.set(index, filaments.sort((a, b) => a.slot - b.slot))
    at = end + 8
  }
  return plates
}

/** The project's filament count: the length of `filament_type` in project_settings.config. */
export function parseProjectSlots(json: string): number {
  if (json.length > MAX_PROJECT_SETTINGS_CHARS) throw malformed('project_settings.config', 'it is too large')
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    throw malformed('project_settings.config', 'it is not JSON')
  }
  const types = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)['filament_type'] : undefined
  if (!Array.isArray(types) || types.length < 1 || types.length > MAX_FILAMENT_SLOTS) {
    throw malformed('project_settings.config', `filament_type is not a list of 1–${MAX_FILAMENT_SLOTS} filaments`)
  }
  return types.length
}

/**
 * What `plate` needs, from the two metadata texts (null = absent from the archive). No
 * slice_info.config → null: the model carries no filament information and dispatch does not check
 * it. Present but unreadable, or silent about the plate → 400: a slice we cannot read is not
 * printed blind. Without project_settings.config the slot count is the highest filament id.
 */
export function filamentNeeds(sliceInfo: string | null, projectSettings: string | null, plate: number): FilamentNeeds | null {
  if (sliceInfo === null) return null
  const filaments = parseSliceInfo(sliceInfo).get(plate)
  if (!filaments) throw malformed('slice_info.config', `it does not describe plate ${plate}`)
  const highest = filaments.reduce((n, f) => Math.max(n, f.slot), 0)
  const slots = projectSettings === null ? Math.max(1, highest) : parseProjectSlots(projectSettings)
  if (highest > slots) throw malformed('project_settings.config', `plate ${plate} uses filament ${highest} of only ${slots}`)
  return { slots, filaments }
}

/** Reads a stored `filaments` column back (written by filamentNeeds; anything else is treated as none). */
export function storedNeeds(value: unknown): FilamentNeeds | null {
  if (typeof value !== 'object' || value === null) return null
  const v = value as { slots?: unknown; filaments?: unknown }
  if (typeof v.slots !== 'number' || !Array.isArray(v.filaments)) return null
  return { slots: v.slots, filaments: v.filaments as FilamentNeed[] }
}
