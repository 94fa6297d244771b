// Turns raw MQTT messages into state: topic check, size cap, JSON parse, depth check, bounded merge.
// Everything a printer (or whoever holds its broker) sends is untrusted input: bad messages are
// counted and dropped, never thrown.
import { BoundedState, type StateLimits } from './bounded-state.js'
import { depthExceeds, isObject, type JsonObject } from './merge.js'
import { signatureRequired } from './status.js'

export interface IntakeStats {
  /** Messages that reached the client, dropped or not. */
  received: number
  /** Reports merged into the state. */
  reports: number
  /** Not JSON, not an object, or nested deeper than any real report. */
  malformed: number
  /** Larger than `maxMessageBytes`. */
  oversized: number
  /** Published on a topic other than our printer's report topic. */
  foreignTopic: number
  /** Parts of reports dropped by the state's bounds (see StateLimits); the rest still merged. */
  capped: number
}

export type IntakeResult =
  | { kind: 'dropped' }
  | { kind: 'message'; classes: Array<[string, JsonObject]>; statusChanged: boolean }

export class ReportIntake {
  readonly stats: IntakeStats = { received: 0, reports: 0, malformed: 0, oversized: 0, foreignTopic: 0, capped: 0 }
  private readonly state: BoundedState
  /** From `fun` when the model sends it: true = signatures required (Developer Mode off). */
  signatureRequired: boolean | null = null

  constructor(
    private readonly reportTopic: string,
    private readonly maxMessageBytes: number,
    limits?: StateLimits,
  ) {
    this.state = new BoundedState(limits)
  }

  /** The merged `print` object: the printer's full state as of the last report. */
  get print(): JsonObject { return this.state.root }

  accept(topic: string, payload: Buffer): IntakeResult {
    this.stats.received++
    // We subscribe to one topic, but a broker can deliver anything: another printer's data must
    // never be merged into this one's state.
    if (topic !== this.reportTopic) return this.drop('foreignTopic')
    if (payload.length > this.maxMessageBytes) return this.drop('oversized')
    let parsed: unknown
    try {
      parsed = JSON.parse(payload.toString('utf8'))
    } catch {
      return this.drop('malformed')
    }
    if (!isObject(parsed) || depthExceeds(parsed)) return this.drop('malformed')
    const classes = Object.entries(parsed).filter((e): e is [string, JsonObject] => isObject(e[1]))
    let statusChanged = false
    for (const [cls, body] of classes) {
      if (cls !== 'print' || body.command !== 'push_status') continue
      // Full reports (msg 0) and deltas (msg 1) both merge: a full report simply sets every field.
      this.state.merge(body)
      this.stats.capped = this.state.dropped
      const fun = signatureRequired(body.fun)
      if (fun !== null) this.signatureRequired = fun
      statusChanged = true
      this.stats.reports++
    }
    return { kind: 'message', classes, statusChanged }
  }

  private drop(reason: 'malformed' | 'oversized' | 'foreignTopic'): IntakeResult {
    this.stats[reason]++
    return { kind: 'dropped' }
  }
}
