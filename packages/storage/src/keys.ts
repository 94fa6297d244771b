/**
 * Object keys are built only from ids we generated, never from client-supplied names, so a
 * hostile filename cannot choose where a file lands (docs/product.md §4.2, §12).
 */
const SAFE = /^[A-Za-z0-9_-]{1,128}$/

function part(value: string): string {
  if (!SAFE.test(value)) throw new Error(`unsafe object key segment: ${JSON.stringify(value)}`)
  return value
}

/** Where the API streams an upload before the worker has re-encoded it. */
export const quarantineKey = (jobId: string, imageId: string) => `quarantine/${part(jobId)}/${part(imageId)}`
export const quarantinePrefix = (jobId: string) => `quarantine/${part(jobId)}/`

/** Where the worker stores the re-encoded, metadata-free image. */
export const scanKey = (customerId: string, jobId: string, imageId: string, ext: 'jpg' | 'png') =>
  `scans/${part(customerId)}/${part(jobId)}/${part(imageId)}.${ext}`

/** Every stored scan of one job. */
export const scanPrefix = (customerId: string, jobId: string) => `scans/${part(customerId)}/${part(jobId)}/`

/** Where the API stores a validated sliced model for the worker to upload to the printer. */
export const modelKey = (manufacturingJobId: string) => `models/${part(manufacturingJobId)}/model.gcode.3mf`
