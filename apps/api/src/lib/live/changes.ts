/** What a `printforge_live` notification names (prisma/migrations/20261204080000_live_notify). */
export type LiveKind = 'printer' | 'manufacturing'

export interface LiveChange {
  kind: LiveKind
  id: string
}

export const LIVE_CHANNEL = 'printforge_live'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * The change a notification's payload names, or null for anything else. Only the triggers send on
 * the channel, but any database role may NOTIFY: a payload is checked before its id reaches a query.
 */
export function parseLiveChange(payload: string | undefined): LiveChange | null {
  if (!payload || payload.length > 200) return null
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return null
  }
  const { kind, id } = (value ?? {}) as { kind?: unknown; id?: unknown }
  if ((kind !== 'printer' && kind !== 'manufacturing') || typeof id !== 'string' || !UUID.test(id)) return null
  return { kind, id }
}
