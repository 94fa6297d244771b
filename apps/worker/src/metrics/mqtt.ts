// printforge_mqtt_reconnects_total and printforge_mqtt_dropped_payloads_total, from each session's
// own counters (session.stats): at scrape time each counter grows by what the session counted
// since the previous scrape. A session replaced (printer edited) or restarted counts from zero
// again; that is taken as all new, never as a negative step.
import type { SessionStats } from '@printforge/bambu'
import { Counter, type Registry } from '@printforge/metrics'
import type { PrinterManager } from '../printers/manager.js'

const DROP_REASONS = {
  malformed: (s: SessionStats) => s.malformed,
  oversized: (s: SessionStats) => s.oversized,
  foreign_topic: (s: SessionStats) => s.foreignTopic,
  oversized_packet: (s: SessionStats) => s.oversizedPackets,
  capped: (s: SessionStats) => s.capped,
} as const
type DropReason = keyof typeof DROP_REASONS

/** Connection attempts after the first are reconnects. */
const reconnectsOf = (s: SessionStats) => Math.max(0, s.connectAttempts - 1)

interface Seen {
  session: object
  reconnects: number
  dropped: Record<DropReason, number>
}

const step = (now: number, before: number) => (now >= before ? now - before : now)

export function registerMqttMetrics(registry: Registry, manager: PrinterManager): void {
  const seen = new Map<string, Seen>()
  const reconnects = new Counter({
    name: 'printforge_mqtt_reconnects_total',
    help: 'MQTT connection attempts to a printer after the first',
    labelNames: ['printer_id'],
    registers: [registry],
    collect: () => sync(),
  })
  const dropped = new Counter({
    name: 'printforge_mqtt_dropped_payloads_total',
    help: 'Printer reports dropped, whole (malformed, oversized, foreign_topic, oversized_packet: connection dropped) or in part (capped)',
    labelNames: ['printer_id', 'reason'],
    registers: [registry],
    collect: () => sync(),
  })

  /** Adds what the sessions counted since the last call: both counters call it; the second adds nothing. */
  function sync(): void {
    const held = new Set<string>()
    for (const { info, session } of manager.list()) {
      held.add(info.id)
      const stats = session.stats
      const previous = seen.get(info.id)
      // A new session object starts its counts at zero: compare against zero, not the old one.
      const base = previous?.session === session ? previous : null
      const now = { session, reconnects: reconnectsOf(stats), dropped: {} as Record<DropReason, number> }
      reconnects.inc({ printer_id: info.id }, step(now.reconnects, base?.reconnects ?? 0))
      for (const [reason, read] of Object.entries(DROP_REASONS) as [DropReason, (s: SessionStats) => number][]) {
        now.dropped[reason] = read(stats)
        dropped.inc({ printer_id: info.id, reason }, step(now.dropped[reason], base?.dropped[reason] ?? 0))
      }
      seen.set(info.id, now)
    }
    // Printers no longer held: their series go with them.
    for (const id of [...seen.keys()]) {
      if (held.has(id)) continue
      seen.delete(id)
      reconnects.remove({ printer_id: id })
      for (const reason of Object.keys(DROP_REASONS)) dropped.remove({ printer_id: id, reason })
    }
  }
}
