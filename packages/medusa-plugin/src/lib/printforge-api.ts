// The two calls the plugin makes to PrintForge, with its API key, through the typed client
// generated from PrintForge's OpenAPI document (@printforge/client: it also keeps the key off
// plain http and refuses redirects). Sending an order is safe to repeat: PrintForge keys it by
// `externalId` (the Medusa order id), so a retry, a duplicate order.placed or the reconciliation
// answers 200 with the order already recorded, never a second one.
import { createPrintForgeClient, type PrintForgeClient } from '@printforge/client'
import type { PrintForgeOrderBody } from './map-order.js'
import type { PrintForgeOptions } from './options.js'

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

type Outcome<T> = { data?: T; error?: unknown; response: Response }

export class PrintForgeApi {
  private readonly client: PrintForgeClient

  constructor(private readonly options: PrintForgeOptions, private readonly sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))) {
    this.client = createPrintForgeClient({ baseUrl: options.printforgeUrl.href.replace(/\/$/, ''), apiKey: options.apiKey })
  }

  /** POST /orders: 201 recorded, 200 already recorded (same externalId, same content). */
  async createOrder(body: PrintForgeOrderBody): Promise<{ order: PrintForgeOrder; replayed: boolean }> {
    // The body is checked against the served schema at compile time (map-order.ts builds it).
    const { data, response } = await this.call('POST /orders', (signal) => this.client.POST('/orders/', { body, signal }))
    return { order: pick(data.order), replayed: response.status === 200 }
  }

  /** GET /orders?externalId=…: the order PrintForge holds for this Medusa order, if any. */
  async findOrder(externalId: string): Promise<PrintForgeOrder | null> {
    const { data } = await this.call('GET /orders', (signal) => this.client.GET('/orders/', { params: { query: { externalId, limit: 1 } }, signal }))
    const first = data.items[0]
    return first ? pick(first) : null
  }

  private async call<T>(what: string, send: (signal: AbortSignal) => Promise<Outcome<T>>): Promise<{ data: T; response: Response }> {
    for (let attempt = 1; ; attempt++) {
      let failure: string
      try {
        const { data, error, response } = await send(AbortSignal.timeout(this.options.requestTimeoutMs))
        if (response.ok && data !== undefined) return { data, response }
        const body = (error ?? {}) as { error?: { code?: string; message?: string } }
        const code = body.error?.code
        if (!retryable(response.status)) {
          throw new PrintForgeRefused(response.status, code, `PrintForge ${what} answered ${response.status}${code ? ` ${code}` : ''}: ${body.error?.message ?? 'no message'}`)
        }
        failure = `answered ${response.status}`
      } catch (err) {
        if (err instanceof PrintForgeRefused) throw err
        failure = (err as Error).name === 'TimeoutError' ? 'timed out' : `failed (${(err as Error).message})`
      }
      if (attempt >= this.options.maxAttempts) throw new Error(`PrintForge ${what} ${failure} after ${attempt} tries`)
      await this.sleep(BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)] as number)
    }
  }
}

const pick = (o: PrintForgeOrder): PrintForgeOrder => ({ id: o.id, externalId: o.externalId, status: o.status })
