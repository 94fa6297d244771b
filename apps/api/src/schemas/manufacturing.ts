import { PRINT_INITIAL, PRINT_STATUSES } from '@printforge/domain'
import { Type } from 'typebox'
import { OneOf, Timestamp, Uuid } from './common.js'
import { BambuModel } from './printers.js'

/** From the domain's state table (packages/domain/src/manufacturing/states.ts). */
export const ManufacturingStatus = OneOf(PRINT_STATUSES)

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

/** What a plate needs loaded, read from the model's Metadata/slice_info.config at upload (packages/domain/src/filaments). */
const FilamentNeeds = Type.Object({
  /** The project's filament count: the length of the ams_mapping sent with it. */
  slots: Type.Integer(),
  filaments: Type.Array(Type.Object({ slot: Type.Integer(), type: Type.String(), color: Type.String({ description: 'RRGGBB' }) })),
})

/** How a sliced model is printed and which file it is: a print job's and a print file's shared fields. */
export const PrintSettingsFields = {
  plate: Type.Integer(),
  useAms: Type.Boolean(),
  amsMapping: Type.Array(Type.Integer()),
  bedLeveling: Type.Boolean(),
  timelapse: Type.Boolean(),
  /** null: the model carries no filament metadata, and dispatch does not check filaments. */
  filaments: Nullable(FilamentNeeds),
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
