import type { JobName, JobPayload } from '@printforge/jobs'

export type { RequestMeta } from '@printforge/domain'

/** Adds a job after its row committed, under the job's enqueue policy (packages/jobs/src/after-commit.ts). */
export type EnqueueAfterCommit = <N extends JobName>(name: N, payload: JobPayload<N>, key: string) => Promise<boolean>

export type Log = { warn(obj: object, msg: string): void }
