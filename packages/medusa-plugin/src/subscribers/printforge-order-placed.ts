// order.placed → PrintForge. Delivered at least once by Medusa's event bus; a second delivery is
// harmless (the order's metadata says it was sent, and PrintForge keys orders by the Medusa id).
// A failure after the retries is logged; the reconciliation job sends the order later.
import type { Logger, SubscriberArgs, SubscriberConfig } from '../lib/medusa-types.js'
import { optionsFromContainer } from '../lib/host-options.js'
import { sendOrder } from '../lib/send-order.js'

export default async function printforgeOrderPlaced({ event, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  const logger = container.resolve<Logger>('logger')
  try {
    // Medusa 2 hands a subscriber no plugin options (pluginOptions is undefined): read from the config.
    await sendOrder(container, optionsFromContainer(container), event.data.id)
  } catch (err) {
    logger.error(`PrintForge: order ${event.data.id} not sent yet (${(err as Error).message}); the reconciliation will retry`)
  }
}

export const config: SubscriberConfig = {
  event: 'order.placed',
  context: { subscriberId: 'printforge-order-placed' },
}
