import { Type } from 'typebox'
import { ActorId, Page, Timestamp, Uuid } from './common.js'

export const JobStatus = Type.Union([Type.Literal('queued'), Type.Literal('processing'), Type.Literal('stored'), Type.Literal('failed'), Type.Literal('cancelled')])

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
  status: Type.Union([Type.Literal('quarantined'), Type.Literal('stored'), Type.Literal('failed')]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
})

export const JobDetail = Type.Object({
  ...JobSummary.properties,
  notes: Type.Union([Type.String(), Type.Null()]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  images: Type.Array(JobImage),
})

export const CreatedJob = Type.Object({ job: Type.Object({ id: Uuid, status: Type.Literal('queued'), imageCount: Type.Integer(), createdAt: Timestamp }) })
export const JobPage = Page(JobSummary)
export const JobParams = Type.Object({ id: Uuid })
