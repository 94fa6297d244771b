// Merging report deltas into one cached object. P1/A1 send only changed fields (`msg: 1`), so the
// full state is the running merge of everything since the last pushall (bambu-protocol.md §3.1).

/** Deeper than any real report; guards the recursive merge against hostile nesting. */
const MAX_DEPTH = 16
/** Keys that would reach Object.prototype through a merge: never copied. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

export type JsonObject = { [key: string]: unknown }

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Nesting depth of a parsed JSON value, stopping early once it exceeds `limit`. */
export function depthExceeds(value: unknown, limit = MAX_DEPTH, depth = 0): boolean {
  if (depth > limit) return true
  if (Array.isArray(value)) return value.some((v) => depthExceeds(v, limit, depth + 1))
  if (isObject(value)) return Object.values(value).some((v) => depthExceeds(v, limit, depth + 1))
  return false
}

/**
 * Merges `delta` into `target` in place. Objects merge key by key; arrays and scalars replace
 * (arrays such as `hms` are always sent whole).
 */
export function mergeInto(target: JsonObject, delta: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(delta)) {
    if (FORBIDDEN.has(key)) continue
    const current = target[key]
    if (isObject(value) && isObject(current)) mergeInto(current, value)
    else target[key] = isObject(value) ? mergeInto(Object.create(null) as JsonObject, value) : value
  }
  return target
}
