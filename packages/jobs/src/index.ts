export { catalog, jobIdFor, withRequestId, QUEUES, type EnqueuePolicy, type JobName, type JobPayload, type QueueName } from './catalog.js'
export { enqueue, parsePayload, isJobName, InvalidJobPayload, type QueueMap } from './enqueue.js'
export { hasLiveJob, requeueMissing, type SweepQueues } from './requeue.js'
export { enqueueAfterCommit } from './after-commit.js'
