// The filament rule of dispatch, in one place: which loaded tray can print a filament slot, and the
// `ams_mapping` / `ams_mapping2` a printer needs for a plate (docs/bambu-protocol.md §2.4, §3.6).
import type { AmsTray } from '@printforge/bambu'
import type { FilamentNeed, FilamentNeeds } from './needs.js'

/** A tray or external spool as a printer reports it: packages/bambu's parse of `ams` / `vt_tray` is the one definition. */
export type LoadedTray = AmsTray

/**
 * Colours match when each of R, G and B is within this many steps of 255. Slicer colours and AMS
 * colours are both picked from Bambu's palette or read off the spool's tag, so equal filaments are
 * usually equal to the byte; the margin (about 6 %) absorbs a hand-entered colour a few steps
 * off without letting distinct catalogue colours (black 000000 vs dark grey 545454) pass. Alpha is
 * ignored.
 */
export const COLOR_TOLERANCE = 16

const channels = (hex: string): number[] | null => (/^[0-9A-Fa-f]{6}/.test(hex) ? [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) : null)

/** Largest per-channel difference between two colours, or null when either is unreadable. */
export function colorDistance(a: string, b: string): number | null {
  const x = channels(a)
  const y = channels(b)
  return x && y ? Math.max(...x.map((v, i) => Math.abs(v - y[i]!))) : null
}

/**
 * Whether `tray` can print `need`: same type (case-insensitive, exact otherwise: PLA is not
 * PLA-CF), colour within COLOR_TOLERANCE, and not known to be empty (remain 0). An unknown remain
 * is accepted: third-party spools never report one.
 */
export function trayMatches(need: Pick<FilamentNeed, 'type' | 'color'>, tray: LoadedTray): boolean {
  if (tray.type === null || tray.color === null || tray.remain === 0) return false
  if (tray.type.trim().toUpperCase() !== need.type.toUpperCase()) return false
  const d = colorDistance(need.color, tray.color)
  return d !== null && d <= COLOR_TOLERANCE
}

/** `ams_mapping`'s value for a tray: ams_id*4+slot, the unit id for AMS HT, -1 for the external spool (§2.4). */
export function globalTrayId(tray: LoadedTray): number {
  if (tray.external) return -1
  return tray.amsId >= 128 ? tray.amsId : tray.amsId * 4 + tray.trayId
}

export interface AmsMapping2Entry {
  amsId: number
  slotId: number
}

export type FilamentPlan =
  | { ok: true; useAms: boolean; amsMapping: number[]; amsMapping2: AmsMapping2Entry[]; trays: Array<{ slot: number; amsId: number; trayId: number }> }
  | { ok: false; missing: FilamentNeed[] }

/** ams_mapping2 for a slot the plate does not print with, as Studio-style payloads send it. */
const UNUSED: AmsMapping2Entry = { amsId: 255, slotId: 255 }

/**
 * Chooses a tray per filament the plate needs: the closest colour, AMS before the external spool,
 * then the lowest tray id (one tray may serve two slots of the same filament). Every project slot
 * gets an entry: -1 / {255,255} where the plate does not print with it. use_ams is false when
 * every filament comes from the external spool (§2.4: use_ams with no AMS fails the print).
 */
export function planFilaments(needs: FilamentNeeds, loaded: readonly LoadedTray[]): FilamentPlan {
  const missing: FilamentNeed[] = []
  const amsMapping = Array.from({ length: needs.slots }, () => -1)
  const amsMapping2 = Array.from({ length: needs.slots }, () => ({ ...UNUSED }))
  const trays: Array<{ slot: number; amsId: number; trayId: number }> = []
  for (const need of needs.filaments) {
    const best = loaded
      .filter((t) => trayMatches(need, t))
      .sort((a, b) => (colorDistance(need.color, a.color!)! - colorDistance(need.color, b.color!)!) || Number(a.external) - Number(b.external) || globalTrayId(a) - globalTrayId(b))[0]
    if (!best) {
      missing.push(need)
      continue
    }
    amsMapping[need.slot - 1] = globalTrayId(best)
    amsMapping2[need.slot - 1] = { amsId: best.amsId, slotId: best.trayId }
    trays.push({ slot: need.slot, amsId: best.amsId, trayId: best.trayId })
  }
  if (missing.length > 0) return { ok: false, missing }
  const useAms = trays.some((t) => !loaded.find((l) => l.amsId === t.amsId && l.trayId === t.trayId)?.external)
  return { ok: true, useAms, amsMapping, amsMapping2, trays }
}

/** "slot 2: PETG #FF0000" — for refusals and failed jobs. */
export function describeNeeds(needs: readonly FilamentNeed[]): string {
  return needs.map((n) => `slot ${n.slot}: ${n.type} #${n.color}`).join(', ')
}
