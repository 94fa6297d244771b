// POST /hooks/printforge: PrintForge's webhooks. Nothing is believed before the signature and the
// timestamp check out (401 otherwise, and nothing changes); a verified event PrintForge need not
// resend is answered 2xx even when it concerns nothing here.
import { optionsFromContainer } from '../../../lib/host-options.js'
import type { Logger, MedusaRequest, MedusaResponse } from '../../../lib/medusa-types.js'
import { recordOrderStatus } from '../../../lib/record-status.js'
import { verifyWebhook, WebhookRejected } from '../../../lib/verify-webhook.js'

export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  const logger = req.scope.resolve<Logger>('logger')
  let event
  try {
    event = verifyWebhook(optionsFromContainer(req.scope).webhookSecret, req.rawBody, req.headers)
  } catch (err) {
    if (!(err instanceof WebhookRejected)) throw err
    logger.warn(`PrintForge webhook refused: ${err.message}`)
    res.status(401).json({ message: 'invalid webhook signature or timestamp' })
    return
  }
  const result = await recordOrderStatus(req.scope, event)
  res.status(200).json({ received: event.id, result })
}
