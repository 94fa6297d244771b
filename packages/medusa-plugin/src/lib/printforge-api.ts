// The two calls the plugin makes to PrintForge, with its API key. Sending an order is safe to
// repeat: PrintForge keys it by `externalId` (the Medusa order id), so a retry, a duplicate
// order.placed or the reconciliation answers 200 with the order already recorded, never a second one.
import type { PrintForgeOptions } from './options.js'
import type { PrintForgeOrderBody } from './map-order.js'

export interface PrintForgeOrder {
  id: string
  externalId: string
  status: string
}

/** A refusal that repeating will not change (4xx other than 408/429): not retried. */
export class PrintForgeRefused extends Error {
  constructor(readonly status: number, readonly code: string | undefined, message: string) {
    super(message)
  }
}

// Waits between tries; the last try's failure is the caller's (the reconciliation comes back later).
const BACKOFF_MS = [500, 2_000, 8_000, 20_000, 30_000]
const retryable = (status: number) => status === 408 || status === 429 || status >= 500

export class PrintForgeApi {
  constructor(private readonly options: PrintForgeOptions, private readonly sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))) {}

  /** POST /orders: 201 recorded, 200 already recorded (same externalId, same content). */
  async createOrder(body: PrintForgeOrderBody): Promise<{ order: PrintForgeOrder; replayed: boolean }> {
    const res = await this.request('POST', '/orders', body)
    const json = (await res.json()) as { order: PrintForgeOrder }
    return { order: json.order, replayed: res.status === 200 }
  }

  /** GET /orders?externalId=…: the order PrintForge holds for this Medusa order, if any. */
  async findOrder(externalId: string): Promise<PrintForgeOrder | null> {
    const res = await this.request('GET', `/orders?externalId=${encodeURIComponent(externalId)}&limit=1`)
    const json = (await res.json()) as { items: PrintForgeOrder[] }
    return json.items[0] ?? null
  }

  private async request(method: 'GET' | 'POST', pathAndQuery: string, body?: unknown): Promise<Response> {
    const url = new URL(pathAndQuery, this.options.printforgeUrl)
    for (let attempt = 1; ; attempt++) {
      let failure: string
      try {
        const res = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          redirect: 'error', // the key must not follow a redirect anywhere else
          signal: AbortSignal.timeout(this.options.requestTimeoutMs),
        })
        if (res.ok) return res
        const text = (await res.text()).slice(0, 500)
        let code: string | undefined
        let message = text
        try {
          const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } }
          code = parsed.error?.code
          message = parsed.error?.message ?? text
        } catch { /* not JSON: keep the text */ }
        if (!retryable(res.status)) throw new PrintForgeRefused(res.status, code, `PrintForge ${method} ${url.pathname} answered ${res.status}${code ? ` ${code}` : ''}: ${message}`)
        failure = `answered ${res.status}`
      } catch (err) {
        if (err instanceof PrintForgeRefused) throw err
        failure = (err as Error).name === 'TimeoutError' ? 'timed out' : `failed (${(err as Error).message})`
      }
      if (attempt >= this.options.maxAttempts) throw new Error(`PrintForge ${method} ${url.pathname} ${failure} after ${attempt} tries`)
      await this.sleep(BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)] as number)
    }
  }
}
