// Recording a shop's order (docs/integrations.md "Orders"). The shop's order id is the idempotency
// key: the same order again replays the recorded one, other content under the same id is 409, and
// two concurrent deliveries of one order leave exactly one row (the unique index decides).
import { createHash, randomUUID } from 'node:crypto'
import { isUniqueViolation, sqlState, withTx, writeAudit, type Db, type DbContext, type Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'
import type { Actor, RequestMeta } from '../actor.js'
import { emitOrderEvent } from './move.js'
import { readOrder, type OrderView } from './view.js'

export interface NewOrderItem {
  externalId?: string | null
  kind: 'product' | 'scan'
  productRef?: string | null
  scanJobId?: string | null
  title: string
  quantity: number
}

export interface NewOrder {
  externalId: string
  displayId?: string | null
  customerId: string
  notes?: string | null
  items: NewOrderItem[]
}

export const ORDER_MAX_ITEMS = 50
export const ORDER_MAX_QUANTITY = 1000

const invalid = (message: string) => new AppError('VALIDATION_FAILED', message)

/** Checks what a schema cannot express: each item's kind decides which reference it carries. */
function validate(order: NewOrder): void {
  if (order.items.length < 1 || order.items.length > ORDER_MAX_ITEMS) throw invalid(`An order has 1 to ${ORDER_MAX_ITEMS} items.`)
  order.items.forEach((item, i) => {
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > ORDER_MAX_QUANTITY) throw invalid(`items[${i}].quantity must be 1 to ${ORDER_MAX_QUANTITY}.`)
    if (item.kind === 'product' && (!item.productRef || item.scanJobId)) throw invalid(`items[${i}]: a product item has a productRef and no scanJobId.`)
    if (item.kind === 'scan' && (!item.scanJobId || item.productRef)) throw invalid(`items[${i}]: a scan item has a scanJobId and no productRef.`)
  })
}

/**
 * SHA-256 of the order in a canonical form: fixed field order, absent and null alike, items in
 * their given order (their position is part of the order). JSON key order or an omitted optional
 * field in a retry does not make it "different content".
 */
export function orderRequestHash(order: NewOrder): string {
  const canonical = [
    order.externalId, order.displayId ?? null, order.customerId, order.notes ?? null,
    order.items.map((i) => [i.externalId ?? null, i.kind, i.productRef ?? null, i.scanJobId ?? null, i.title, i.quantity]),
  ]
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex')
}

export interface RecordedOrder {
  created: boolean
  order: OrderView
}

/** The order already recorded under this external id: replayed if it is the same order, else 409. */
async function replay(tx: Tx, externalId: string, requestHash: string): Promise<RecordedOrder | null> {
  const existing = await tx.order.findUnique({ where: { externalId }, select: { id: true, requestHash: true } })
  if (!existing) return null
  if (existing.requestHash !== requestHash) throw new AppError('CONFLICT', 'An order with this externalId was recorded with different content.')
  const order = await readOrder(tx, existing.id, null)
  if (!order) throw new Error('a recorded order vanished inside its own transaction')
  return { created: false, order }
}

/** The trigger order_items_check refuses a scan that is not the customer's (or unknown): one answer for both. */
const isForeignScan = (err: unknown) => sqlState(err) === '23514' || sqlState(err) === '23503'

/** Records the order `pending_review` with its items, audit row and event — or replays it. */
export async function recordOrder(db: Db, context: DbContext, input: NewOrder, by: Actor, meta: RequestMeta): Promise<RecordedOrder> {
  validate(input)
  const requestHash = orderRequestHash(input)
  try {
    return await withTx(db, context, async (tx) => {
      const earlier = await replay(tx, input.externalId, requestHash)
      if (earlier) return earlier
      const id = randomUUID()
      await tx.order.create({
        data: {
          id, externalId: input.externalId, displayId: input.displayId ?? null, customerId: input.customerId, notes: input.notes ?? null,
          requestHash, createdBy: by.actorId ?? 'system',
          items: {
            create: input.items.map((item, position) => ({
              id: randomUUID(), customerId: input.customerId, externalId: item.externalId ?? null, kind: item.kind,
              scanJobId: item.scanJobId ?? null, productRef: item.productRef ?? null, title: item.title, quantity: item.quantity, position,
            })),
          },
        },
        select: { id: true },
      })
      await emitOrderEvent(tx, { id, externalId: input.externalId, customerId: input.customerId }, 'pending_review', null, null)
      await writeAudit(tx, {
        ...by, ...meta, action: 'order.created', targetType: 'order', targetId: id,
        details: { externalId: input.externalId, customerId: input.customerId, items: input.items.length, units: input.items.reduce((n, i) => n + i.quantity, 0) },
      })
      const order = await readOrder(tx, id, null)
      if (!order) throw new Error('a just-recorded order is not readable by its recorder')
      return { created: true, order }
    })
  } catch (err) {
    // A concurrent delivery of the same order won the unique index: answer as its replay would.
    if (isUniqueViolation(err)) {
      const earlier = await withTx(db, context, (tx) => replay(tx, input.externalId, requestHash))
      if (earlier) return earlier
    }
    if (isForeignScan(err)) throw invalid('A scan item names a scan job that is not this customer’s.')
    throw err
  }
}
