import { PRINT_INITIAL, PRINT_STATUSES } from '@printforge/domain'
import { Type } from 'typebox'
import { OneOf, Timestamp, Uuid } from './common.js'
import { BambuModel } from './printers.js'

/** From the domain's state table (packages/domain/src/manufacturing/states.ts). */
export const ManufacturingStatus = OneOf(PRINT_STATUSES)

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

/** How a sliced model is printed and which file it is: a print job's and a print file's shared fields. */
export const PrintSettingsFields = {
  plate: Type.Integer(),
  useAms: Type.Boolean(),
  amsMapping: Type.Array(Type.Integer()),
  bedLeveling: Type.Boolean(),
  timelapse: Type.Boolean(),
  fileName: Type.String(),
  fileBytes: Type.Integer(),
  fileSha256: Type.String(),
}

export const ManufacturingJob = Type.Object({
  id: Uuid,
  status: ManufacturingStatus,
  printer: Nullable(Type.Object({ id: Uuid, name: Type.String(), model: BambuModel })),
  requestedModel: Nullable(BambuModel),
  scanJobId: Nullable(Uuid),
  ...PrintSettingsFields,
  progress: Type.Integer(),
  error: Nullable(Type.Object({ code: Nullable(Type.String()), reason: Nullable(Type.String()) })),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  history: Type.Array(Type.Object({ from: Nullable(ManufacturingStatus), to: ManufacturingStatus, at: Timestamp, details: Type.Record(Type.String(), Type.Unknown()) })),
})

export const CreatedManufacturingJob = Type.Object({ manufacturingJob: Type.Object({ id: Uuid, status: Type.Literal(PRINT_INITIAL) }) })
