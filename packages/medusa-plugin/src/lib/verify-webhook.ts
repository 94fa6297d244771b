// PrintForge signs its webhooks the Standard Webhooks way (docs/integrations.md "Webhooks"):
// HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<raw body>` with the endpoint's secret. The
// standardwebhooks library checks the signature in constant time and refuses a timestamp more than
// five minutes away from now (a replayed capture). During a secret rotation PrintForge signs with
// both secrets, so the new one alone verifies.
import { Webhook } from 'standardwebhooks'

export interface PrintForgeEvent {
  type: string
  timestamp: string
  data: Record<string, unknown>
}

export class WebhookRejected extends Error {}

const header = (headers: Record<string, string | string[] | undefined>, name: string): string => {
  const value = headers[name]
  return typeof value === 'string' ? value : ''
}

export function verifyWebhook(secret: string, rawBody: Buffer | undefined, headers: Record<string, string | string[] | undefined>): PrintForgeEvent & { id: string } {
  if (!Buffer.isBuffer(rawBody)) throw new WebhookRejected('no body')
  const id = header(headers, 'webhook-id')
  let payload: unknown
  try {
    payload = new Webhook(secret).verify(rawBody.toString('utf8'), {
      'webhook-id': id,
      'webhook-timestamp': header(headers, 'webhook-timestamp'),
      'webhook-signature': header(headers, 'webhook-signature'),
    })
  } catch (err) {
    throw new WebhookRejected((err as Error).message)
  }
  const event = payload as Partial<PrintForgeEvent> | null
  if (!event || typeof event.type !== 'string' || typeof event.data !== 'object' || event.data === null) throw new WebhookRejected('not a PrintForge event')
  return { id, type: event.type, timestamp: String(event.timestamp ?? ''), data: event.data }
}
