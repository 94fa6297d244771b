// The filament a virtual printer has loaded, reported as real printers do (docs/bambu-protocol.md
// §3.6): `ams.ams[].tray[]` with `tray_type`, `tray_color` RRGGBBAA and `remain` %, an empty tray
// as its `id` alone, and the external spool as `vt_tray` (id "254"). Tests, `npm run sim -- --ams`
// and the control topic load trays.

export interface SimTray {
  type: string
  /** RRGGBBAA (RRGGBB is completed with FF). */
  color: string
  /** Percent left; -1 = unknown (a spool without an RFID tag). */
  remain: number
}

export interface SimAms {
  /** AMS units in order (ids 0, 1, …), four slots each; null = an empty slot. */
  units: Array<Array<SimTray | null>>
  /** The external spool holder; null = empty. */
  external: SimTray | null
}

/** One 4-slot AMS with Bambu PLA Basic white, black, red and blue; nothing on the external holder. */
export const DEFAULT_AMS: Readonly<SimAms> = {
  units: [[
    { type: 'PLA', color: 'FFFFFFFF', remain: 100 },
    { type: 'PLA', color: '000000FF', remain: 100 },
    { type: 'PLA', color: 'C12E1FFF', remain: 100 },
    { type: 'PLA', color: '0A2989FF', remain: 100 },
  ]],
  external: null,
}

const TYPE = /^[A-Za-z0-9][A-Za-z0-9+_. -]{0,31}$/
const COLOR = /^[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$/

function tray(value: unknown): SimTray | null {
  if (value === null) return null
  const t = value as Partial<SimTray>
  if (typeof value !== 'object' || typeof t.type !== 'string' || !TYPE.test(t.type) || typeof t.color !== 'string' || !COLOR.test(t.color)) {
    throw new TypeError('a tray is {type, color (RRGGBB[AA]), remain?} or null')
  }
  const remain = t.remain ?? 100
  if (!Number.isInteger(remain) || remain < -1 || remain > 100) throw new TypeError('remain is an integer from -1 to 100')
  return { type: t.type, color: (t.color.length === 6 ? `${t.color}FF` : t.color).toUpperCase(), remain }
}

/** Checks loaded trays from a test or the control topic: at most 4 AMS units of 4 slots. */
export function toSimAms(value: unknown): SimAms {
  const v = value as Partial<SimAms> | null
  if (typeof v !== 'object' || v === null || !Array.isArray(v.units) || v.units.length > 4 || v.units.some((u) => !Array.isArray(u) || u.length > 4)) {
    throw new TypeError('ams is {units: up to 4 arrays of up to 4 trays, external?}')
  }
  return { units: v.units.map((u) => u.map(tray)), external: v.external === undefined ? null : tray(v.external) }
}

/**
 * The CLI form: units separated by `;`, slots by `,`, each `TYPE/RRGGBB[AA][@remain]` or `-` for
 * empty; `ext=TYPE/RRGGBB` for the external spool, e.g. `PLA/FFFFFF,PLA/000000,-,PETG/C12E1F;ext=PLA/FFFFFF`.
 */
export function parseAmsSpec(spec: string): SimAms {
  const units: Array<Array<SimTray | null>> = []
  let external: SimTray | null = null
  const slot = (s: string): SimTray | null => {
    if (s === '-') return null
    const m = /^([^/@]+)\/([0-9A-Fa-f]{6,8})(?:@(-?\d{1,3}))?$/.exec(s.trim())
    if (!m) throw new TypeError(`tray ${JSON.stringify(s)} is not TYPE/RRGGBB[AA][@remain] or -`)
    return tray({ type: m[1], color: m[2], remain: m[3] === undefined ? 100 : Number(m[3]) })
  }
  for (const part of spec.split(';').map((p) => p.trim()).filter(Boolean)) {
    if (part.startsWith('ext=')) external = slot(part.slice(4))
    else units.push(part.split(',').map(slot))
  }
  return toSimAms({ units, external })
}

const EMPTY_EXTERNAL = { id: '254', tray_type: '', tray_color: '00000000', remain: 0 }

/** The `ams` and `vt_tray` fields of a report. */
export function amsReportFields(ams: SimAms): Record<string, unknown> {
  const trayFields = (t: SimTray) => ({ tray_type: t.type, tray_color: t.color, remain: t.remain, tray_info_idx: '', nozzle_temp_min: '190', nozzle_temp_max: '230' })
  let trayBits = 0
  ams.units.forEach((u, i) => u.forEach((t, j) => { if (t) trayBits |= 1 << (i * 4 + j) }))
  return {
    ams: {
      ams: ams.units.map((u, i) => ({ id: String(i), humidity: '4', temp: '25.0', tray: u.map((t, j) => (t ? { id: String(j), ...trayFields(t) } : { id: String(j) })) })),
      ams_exist_bits: ((1 << ams.units.length) - 1).toString(16),
      tray_exist_bits: trayBits.toString(16),
      tray_now: '255',
    },
    vt_tray: ams.external ? { id: '254', ...trayFields(ams.external) } : EMPTY_EXTERNAL,
  }
}
