/**
 * Per-endpoint delivery slots in this process: one slow or failing endpoint holds at most `cap`
 * of the worker's WEBHOOK_CONCURRENCY slots, so the others keep flowing.
 */
export class EndpointSlots {
  private readonly inFlight = new Map<string, number>()
  constructor(private readonly cap: number) {}

  tryTake(endpointId: string): boolean {
    const n = this.inFlight.get(endpointId) ?? 0
    if (n >= this.cap) return false
    this.inFlight.set(endpointId, n + 1)
    return true
  }

  release(endpointId: string): void {
    const n = (this.inFlight.get(endpointId) ?? 1) - 1
    if (n <= 0) this.inFlight.delete(endpointId)
    else this.inFlight.set(endpointId, n)
  }
}
