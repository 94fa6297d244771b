// `medusa exec ./redeliver.js` (ORDER_ID): delivers order.placed for the order a second time
// through Medusa's event bus, after removing the plugin's printforge_order_id mark — a duplicate
// delivery that raced the first one. Waits until the plugin's subscriber has sent it again.
const { Modules } = require('@medusajs/framework/utils')

/** @param {{ container: import('@medusajs/framework/types').MedusaContainer }} args */
exports.default = async function redeliver({ container }) {
  const id = process.env.ORDER_ID
  const orders = container.resolve(Modules.ORDER)
  const order = await orders.retrieveOrder(id, { select: ['id', 'metadata'] })
  const { printforge_order_id: sentAs, ...rest } = order.metadata || {}
  await orders.updateOrders(id, { metadata: rest })
  await container.resolve(Modules.EVENT_BUS).emit({ name: 'order.placed', data: { id } })
  const deadline = Date.now() + 30_000
  for (;;) {
    const again = await orders.retrieveOrder(id, { select: ['id', 'metadata'] })
    if (again.metadata && again.metadata.printforge_order_id) {
      console.log(`redelivered order.placed for ${id}: sent as ${again.metadata.printforge_order_id} (was ${sentAs})`)
      return
    }
    if (Date.now() > deadline) throw new Error(`the subscriber did not send ${id} again within 30 s`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
