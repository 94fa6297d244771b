import { S3Client } from '@aws-sdk/client-s3'

export interface StorageSettings {
  endpoint: string
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
}

/**
 * An S3 client for Cloudflare R2 and other S3-compatible stores. Checksums only when required:
 * the SDK's default CRC32 trailers are not understood by every S3-compatible server. Short
 * timeouts turn an unreachable store into a quick 503 rather than a hung request.
 */
export function createS3Client(settings: StorageSettings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 60_000 },
  })
}
