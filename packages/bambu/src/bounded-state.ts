// The printer's merged state with hard bounds. Deltas merge forever (P1/A1 send only changed
// fields), so without bounds a printer, or whoever holds its broker, could grow the state a little
// with every report until the worker runs out of memory: new keys, deep nesting, long arrays, long
// strings. Over-limit parts are dropped and counted; the rest of the report still applies.
import { FORBIDDEN, isObject, type JsonObject } from './merge.js'

export interface StateLimits {
  /** Keys per object. A full X1C/H2D `print` object has about 100; nested objects far fewer. */
  maxKeys: number
  /** Nesting below `print`. Real reports reach about 6 (`ams.ams[].tray[].field`). */
  maxDepth: number
  /** Elements per array (hms, AMS units and trays, lights, stages, skipped objects: tens). */
  maxArrayLength: number
  /** Characters per string and per key (file names, URLs and ids are well under this). */
  maxStringLength: number
  /** JSON length of the whole state, in characters. A full real report is 5–20 KiB. */
  maxTotalLength: number
}

export const DEFAULT_STATE_LIMITS: Readonly<StateLimits> = {
  maxKeys: 256,
  maxDepth: 8,
  maxArrayLength: 256,
  maxStringLength: 1024,
  maxTotalLength: 256 * 1024,
}

const DROP = Symbol('drop')

/** Exact JSON length of a scalar; of containers, JSON length plus one per non-empty container. */
export function jsonLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + jsonLength(v) + 1, 2)
  if (isObject(value)) return Object.entries(value).reduce((n, [k, v]) => n + entryLength(k, v), 2)
  return JSON.stringify(value ?? null).length
}
/** `"key":value,` */
const entryLength = (key: string, value: unknown) => JSON.stringify(key).length + 2 + jsonLength(value)

export class BoundedState {
  /** The merged state; null-prototype objects throughout. */
  readonly root: JsonObject = Object.create(null) as JsonObject
  /** jsonLength(root), kept in step with every change rather than recomputed. */
  length = 2
  /** Parts of reports dropped by the limits (keys, elements, strings, subtrees, additions). */
  dropped = 0

  constructor(readonly limits: Readonly<StateLimits> = DEFAULT_STATE_LIMITS) {}

  /** Objects merge key by key; arrays and scalars replace (arrays such as `hms` come whole). */
  merge(delta: JsonObject): void {
    this.mergeObject(this.root, delta, 0)
  }

  private mergeObject(target: JsonObject, delta: JsonObject, depth: number): void {
    let keys = Object.keys(target).length
    for (const [key, raw] of Object.entries(delta)) {
      if (FORBIDDEN.has(key) || key.length > this.limits.maxStringLength) {
        this.dropped++
        continue
      }
      const exists = Object.hasOwn(target, key)
      const current = target[key]
      if (isObject(raw) && isObject(current)) {
        this.mergeObject(current, raw, depth + 1)
        continue
      }
      if (!exists && keys >= this.limits.maxKeys) {
        this.dropped++
        continue
      }
      const value = this.bounded(raw, depth + 1)
      if (value === DROP) {
        this.dropped++
        continue
      }
      const change = exists ? jsonLength(value) - jsonLength(current) : entryLength(key, value)
      // New keys may fill the budget only up to its last eighth, which stays for existing fields:
      // after a flood of new keys the real ones (gcode_state, temperatures) still update.
      const budget = exists ? this.limits.maxTotalLength : this.limits.maxTotalLength - Math.floor(this.limits.maxTotalLength / 8)
      if (change > 0 && this.length + change > budget) {
        this.dropped++
        continue
      }
      target[key] = value
      this.length += change
      if (!exists) keys++
    }
  }

  /** A copy of `value` within the limits (null-prototype objects), or DROP when it cannot be. */
  private bounded(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return value.length > this.limits.maxStringLength ? DROP : value
    if (typeof value !== 'object' || value === null) return value
    if (depth > this.limits.maxDepth) return DROP
    if (Array.isArray(value)) {
      const kept = value.slice(0, this.limits.maxArrayLength)
      this.dropped += value.length - kept.length
      const out: unknown[] = []
      for (const element of kept) {
        const b = this.bounded(element, depth + 1)
        if (b === DROP) this.dropped++
        else out.push(b)
      }
      return out
    }
    const out = Object.create(null) as JsonObject
    let keys = 0
    for (const [key, v] of Object.entries(value)) {
      const b = FORBIDDEN.has(key) || key.length > this.limits.maxStringLength || keys >= this.limits.maxKeys ? DROP : this.bounded(v, depth + 1)
      if (b === DROP) {
        this.dropped++
        continue
      }
      out[key] = b
      keys++
    }
    return out
  }
}
