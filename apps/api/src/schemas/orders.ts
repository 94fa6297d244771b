import { ORDER_MAX_ITEMS, ORDER_MAX_QUANTITY, ORDER_STATUSES } from '@printforge/domain'
import { Type } from 'typebox'
import { ActorId, OneOf, Text, Timestamp, Uuid } from './common.js'
import { ManufacturingStatus, PrintSettingsFields } from './manufacturing.js'
import { BambuModel } from './printers.js'

/** From the domain's state table (packages/domain/src/orders/states.ts). */
export const OrderStatus = OneOf(ORDER_STATUSES)
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
/** The shop's ids and references: printable, no spaces (Medusa ids, SKUs). */
const Ref = Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' })

export const NewOrderBody = Type.Object({
  externalId: Ref,
  displayId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' })),
  customerId: ActorId,
  notes: Type.Optional(Text(2000)),
  items: Type.Array(Type.Object({
    externalId: Type.Optional(Ref),
    kind: Type.Union([Type.Literal('product'), Type.Literal('scan')]),
    productRef: Type.Optional(Ref),
    scanJobId: Type.Optional(Uuid),
    title: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]*$' }),
    quantity: Type.Integer({ minimum: 1, maximum: ORDER_MAX_QUANTITY }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: ORDER_MAX_ITEMS }),
}, { additionalProperties: false })

export const Order = Type.Object({
  id: Uuid,
  externalId: Type.String(),
  displayId: Nullable(Type.String()),
  customerId: Type.String(),
  status: OrderStatus,
  statusReason: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  reviewedAt: Nullable(Timestamp),
  reviewedBy: Nullable(Type.String()),
  finishedAt: Nullable(Timestamp),
  items: Type.Array(Type.Object({
    id: Uuid,
    externalId: Nullable(Type.String()),
    kind: Type.Union([Type.Literal('product'), Type.Literal('scan')]),
    scanJobId: Nullable(Uuid),
    productRef: Nullable(Type.String()),
    title: Type.String(),
    quantity: Type.Integer(),
    manufacturingJobs: Type.Array(Type.Object({ id: Uuid, status: ManufacturingStatus, progress: Type.Integer() })),
  })),
})

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
/** `printFiles`: order item id → print file id. */
export const ApproveBody = Type.Object({
  printFiles: Type.Optional(Type.Record(Type.String({ pattern: UUID_PATTERN }), Uuid, { maxProperties: ORDER_MAX_ITEMS, additionalProperties: false })),
}, { additionalProperties: false })

export const RejectBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500, pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$' }) }, { additionalProperties: false })

export const PrintFile = Type.Object({
  id: Uuid,
  name: Type.String(),
  productRef: Nullable(Type.String()),
  requestedModel: Nullable(BambuModel),
  ...PrintSettingsFields,
  createdBy: Type.String(),
  createdAt: Timestamp,
})
