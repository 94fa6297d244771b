import { IMAGE_STATUSES, SCAN_INITIAL, SCAN_STATUSES } from '@printforge/domain'
import { Type } from 'typebox'
import { ActorId, OneOf, Page, Timestamp, Uuid } from './common.js'

/** From the domain's state tables (packages/domain/src/scans/states.ts). */
export const JobStatus = OneOf(SCAN_STATUSES)
export const ImageStatus = OneOf(IMAGE_STATUSES)

export const JobSummary = Type.Object({
  id: Uuid,
  customerId: ActorId,
  title: Type.String(),
  status: JobStatus,
  imageCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})

export const JobImage = Type.Object({
  id: Uuid,
  filename: Type.String(),
  bytes: Type.Integer(),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  sha256: Type.Union([Type.String(), Type.Null()]),
  status: ImageStatus,
  failureReason: Type.Union([Type.String(), Type.Null()]),
})

export const JobDetail = Type.Object({
  ...JobSummary.properties,
  notes: Type.Union([Type.String(), Type.Null()]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  images: Type.Array(JobImage),
})

export const CreatedJob = Type.Object({ job: Type.Object({ id: Uuid, status: Type.Literal(SCAN_INITIAL), imageCount: Type.Integer(), createdAt: Timestamp }) })
export const JobPage = Page(JobSummary)
export const JobParams = Type.Object({ id: Uuid })
