// AMS trays and the external spool from the merged `print` object (docs/bambu-protocol.md §3.6).
// `ams.ams[]` units carry `tray[]`; an empty tray has only its `id`. The external spool is
// `vt_tray` (id "254"); `ams_mapping2` names it `{ams_id: 255, slot_id: 0}` (§2.4), so that is the
// id it gets here. Values are bounded and typed; anything unreadable is left out, not guessed.
import { isObject, type JsonObject } from './merge.js'

export interface AmsTray {
  /** AMS unit id (0–3; AMS HT from 128); 255 for the external spool. */
  amsId: number
  /** Slot in the unit (0–3); 0 for the external spool. */
  trayId: number
  /** `tray_type`, e.g. PLA; null for an empty slot. */
  type: string | null
  /** `tray_color` RRGGBBAA, upper case; null when absent. */
  color: string | null
  /** `remain` in percent; null when absent, negative (the printer does not know) or over 100. */
  remain: number | null
  external: boolean
}

/** More than any printer has (4 AMS × 4 + 8 AMS HT + external): the rest is dropped. */
const MAX_TRAYS = 32
const EXTERNAL_AMS_ID = 255

const int = (v: unknown): number | null => {
  const n = typeof v === 'string' && /^-?\d{1,4}$/.test(v.trim()) ? Number(v) : v
  return typeof n === 'number' && Number.isInteger(n) ? n : null
}

function trayOf(t: unknown, amsId: number, external: boolean): AmsTray | null {
  if (!isObject(t)) return null
  const trayId = external ? 0 : int(t.id)
  if (trayId === null || trayId < 0 || trayId > 3) return null
  const type = typeof t.tray_type === 'string' && /^[A-Za-z0-9][A-Za-z0-9+_. -]{0,31}$/.test(t.tray_type.trim()) ? t.tray_type.trim() : null
  const color = typeof t.tray_color === 'string' && /^[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$/.test(t.tray_color) ? t.tray_color.toUpperCase() : null
  const remain = int(t.remain)
  return { amsId, trayId, type, color, remain: remain === null || remain < 0 || remain > 100 ? null : remain, external }
}

/** Every tray the printer reports, AMS units first, then the external spool. */
export function amsTrays(p: JsonObject): AmsTray[] {
  const out: AmsTray[] = []
  const units = isObject(p.ams) && Array.isArray(p.ams.ams) ? p.ams.ams : []
  for (const unit of units) {
    const amsId = isObject(unit) ? int(unit.id) : null
    if (amsId === null || amsId < 0 || amsId > 254 || !isObject(unit) || !Array.isArray(unit.tray)) continue
    for (const t of unit.tray) {
      const tray = trayOf(t, amsId, false)
      if (tray && out.length < MAX_TRAYS && !out.some((o) => o.amsId === amsId && o.trayId === tray.trayId)) out.push(tray)
    }
  }
  const external = trayOf(p.vt_tray, EXTERNAL_AMS_ID, true)
  if (external) out.push(external)
  return out
}
