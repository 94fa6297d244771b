import { Type, type TSchema } from 'typebox'
import { ActorId, Timestamp, Uuid } from './common.js'
import { ImageStatus, JobStatus } from './jobs.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const closed = { additionalProperties: false } as const

/** GET /me: who the caller is, and the role the API gives them. */
export const Me = Type.Object(
  {
    actorType: Type.Union([Type.Literal('customer'), Type.Literal('user')]),
    actorId: ActorId,
    role: Type.Union([
      Type.Literal('customer'), Type.Literal('operator'), Type.Literal('admin'),
      Type.Literal('group_operator'), Type.Literal('group_admin'), Type.Literal('none'),
    ]),
    /** The caller's printer-group roles (docs/product.md §5.4); empty for a global role, which holds in all groups. */
    groups: Type.Array(Type.Object({ id: Uuid, name: Type.String(), role: Type.Union([Type.Literal('operator'), Type.Literal('admin')]) }, closed)),
  },
  closed,
)

const ExportQuota = Type.Object({ monthlyLimit: Type.Integer(), used: Type.Integer(), remaining: Type.Integer(), resetsAt: Timestamp }, closed)

/** An image of an exported job: the columns the export selects (never the storage keys). */
const ExportImage = Type.Object(
  {
    id: Uuid,
    originalFilename: Type.String(),
    contentType: Type.String(),
    bytes: Type.Integer(),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    sha256: Nullable(Type.String()),
    status: ImageStatus,
    failureReason: Nullable(Type.String()),
    createdAt: Timestamp,
  },
  closed,
)

/** A scan job as stored: every column of the row, with its images. */
const ExportJob = Type.Object(
  {
    id: Uuid,
    customerId: ActorId,
    title: Type.String(),
    notes: Nullable(Type.String()),
    status: JobStatus,
    imageCount: Type.Integer(),
    failureReason: Nullable(Type.String()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: Nullable(Timestamp),
    requeues: Type.Integer({ description: 'Times the maintenance sweep re-enqueued the job' }),
    images: Type.Array(ExportImage),
  },
  closed,
)

/** An audit row of one of the caller's own actions (the hash chain columns stay out). */
const ExportAuditEntry = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9]+$', description: 'The row id (a 64-bit integer, as a string)' }),
    at: Timestamp,
    action: Type.String(),
    targetType: Nullable(Type.String()),
    targetId: Nullable(Type.String()),
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    // Free-form by action: its own keys are the action's, not ours to close.
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  closed,
)

/**
 * GET /me/export (docs/product.md §4.6). The body is streamed in batches and so never passes through the
 * response serializer: this schema documents it, and the export test checks every answer against it.
 */
export const AccountExport = Type.Object(
  {
    exportedAt: Timestamp,
    identity: Me,
    quota: Type.Union([ExportQuota, Type.Null()], { description: 'The current month’s quota; null for staff users' }),
    jobs: Type.Array(ExportJob, { description: 'Every scan job of the customer, oldest first; empty for staff users' }),
    auditTrail: Type.Array(ExportAuditEntry, { description: 'The caller’s own actions up to the start of the export, oldest first' }),
  },
  { ...closed, description: 'Everything the API holds about the caller, streamed as one JSON document.' },
)
