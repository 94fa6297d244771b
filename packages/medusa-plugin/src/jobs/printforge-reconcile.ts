// Sends the orders the subscriber missed (Medusa was down when PrintForge answered, the event was
// lost, PrintForge was unreachable through every retry): every order of the last
// `reconcileLookbackHours` that has no PrintForge id and was not skipped. Medusa's job schedule is
// fixed in code, so the job wakes every minute and works every `reconcileIntervalMinutes`.
import type { Logger, MedusaContainer } from '../lib/medusa-types.js'
import { optionsFromContainer } from '../lib/host-options.js'
import { listRecentOrders } from '../lib/medusa-orders.js'
import { META, sendOrder } from '../lib/send-order.js'

const BATCH = 200
let lastRun = 0

export async function reconcile(container: MedusaContainer, now = new Date()): Promise<{ checked: number; sent: number; failed: number }> {
  const options = optionsFromContainer(container)
  const logger = container.resolve<Logger>('logger')
  const since = new Date(now.getTime() - options.reconcileLookbackHours * 3_600_000)
  const orders = await listRecentOrders(container, since, BATCH)
  let sent = 0
  let failed = 0
  for (const order of orders) {
    if (order.metadata?.[META.orderId] || order.metadata?.[META.skipped]) continue
    try {
      const result = await sendOrder(container, options, order.id)
      if (result === 'sent' || result === 'replayed') sent++
    } catch (err) {
      failed++
      logger.warn(`PrintForge reconciliation: order ${order.id} not sent (${(err as Error).message})`)
    }
  }
  if (sent || failed) logger.info(`PrintForge reconciliation: ${sent} sent, ${failed} failed of ${orders.length} recent orders`)
  return { checked: orders.length, sent, failed }
}

export default async function printforgeReconcile(container: MedusaContainer): Promise<void> {
  const options = optionsFromContainer(container)
  if (options.reconcileIntervalMinutes === 0) return
  if (Date.now() - lastRun < options.reconcileIntervalMinutes * 60_000 - 5_000) return
  lastRun = Date.now()
  await reconcile(container)
}

export const config = {
  name: 'printforge-reconcile',
  schedule: '* * * * *',
}
