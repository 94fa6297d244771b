/** Capped exponential backoff with jitter, so a farm of printers does not reconnect in lockstep. */
export interface BackoffOptions {
  /** First delay. Default 1 s. */
  initialMs?: number
  /** Upper bound. Default 60 s. */
  maxMs?: number
}

export class Backoff {
  private attempt = 0
  private readonly initialMs: number
  private readonly maxMs: number

  constructor(o: BackoffOptions = {}) {
    this.initialMs = o.initialMs ?? 1000
    this.maxMs = o.maxMs ?? 60_000
  }

  /** Delay before the next attempt: between half and all of min(max, initial·2^n). */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30))
    this.attempt++
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
  }

  reset(): void {
    this.attempt = 0
  }
}
