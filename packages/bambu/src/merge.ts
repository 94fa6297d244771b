// JSON helpers shared by the report intake and the bounded merge (bounded-state.ts). P1/A1 send
// only changed fields (`msg: 1`), so the full state is the running merge of everything since the
// last pushall (docs/bambu-protocol.md §3.1).

/** Deeper than any real report: such a message is dropped whole before any walk of it. */
const MAX_DEPTH = 16
/** Keys that would reach Object.prototype through a merge: never copied. */
export const FORBIDDEN: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

export type JsonObject = { [key: string]: unknown }

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Nesting depth of a parsed JSON value, stopping early once it exceeds `limit`. */
export function depthExceeds(value: unknown, limit = MAX_DEPTH, depth = 0): boolean {
  if (depth > limit) return true
  if (Array.isArray(value)) return value.some((v) => depthExceeds(v, limit, depth + 1))
  if (isObject(value)) return Object.values(value).some((v) => depthExceeds(v, limit, depth + 1))
  return false
}
