import { CopyObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { Readable } from 'node:stream'

/** Storage answered a DeleteObjects request but refused some keys (per-key errors). */
export class ObjectsNotDeleted extends Error {
  constructor(readonly failures: { key: string; code: string }[]) {
    super(`storage refused to delete ${failures.length} object(s): ${[...new Set(failures.map((f) => f.code))].join(', ')}`)
    this.name = 'ObjectsNotDeleted'
  }
}

/** The bucket operations PrintForge needs, over one client and bucket. */
export interface ObjectStore {
  bucket: string
  /**
   * Streams `body` (length unknown) to `key` in parts: memory stays bounded by the part size
   * whatever the object's size. `signal` aborts the upload and cleans up its parts.
   */
  putStream(key: string, body: Readable, contentType: string, signal?: AbortSignal): Promise<void>
  /**
   * Stores a buffer in one PUT whose SigV4 payload hash is `sha256` (hex), already computed by the
   * caller, so the SDK does not hash the body a second time. S3 and R2 reject a body that does not
   * match it (XAmzContentSHA256Mismatch); s3rver, the local stand-in, does not check.
   */
  putBuffer(key: string, data: Buffer, contentType: string, sha256: string): Promise<void>
  /**
   * Copies `fromKey` to `toKey` inside the bucket, on the server (S3 CopyObject, up to 5 GB): the
   * bytes never pass through this process, whatever the object's size.
   */
  copy(fromKey: string, toKey: string): Promise<void>
  /**
   * Deletes the keys (missing keys are not an error), 1000 per request. Throws ObjectsNotDeleted
   * when storage refused some of them, so the caller retries instead of believing they are gone.
   */
  deleteKeys(keys: string[]): Promise<void>
  /** Every key under `prefix`. */
  listKeys(prefix: string): Promise<string[]>
  getStream(key: string): Promise<Readable>
  /** A presigned GET URL valid for `expiresInSeconds` (docs/product.md §4.2: at most 5 minutes). */
  presignGet(key: string, expiresInSeconds: number, downloadName?: string): Promise<string>
  /** Cheap reachability check for readiness probes. */
  ping(): Promise<boolean>
}

export function createObjectStore(client: S3Client, bucket: string): ObjectStore {
  return {
    bucket,
    async putStream(key, body, contentType, signal) {
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
        partSize: 5 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
      })
      const abort = () => void upload.abort().catch(() => {})
      signal?.addEventListener('abort', abort, { once: true })
      try {
        await upload.done()
      } finally {
        signal?.removeEventListener('abort', abort)
      }
    },
    async putBuffer(key, data, contentType, sha256) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new TypeError('putBuffer: sha256 must be 64 lowercase hex digits')
      const command = new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentType: contentType, ContentLength: data.length })
      // The signer uses an x-amz-content-sha256 header already present instead of hashing the body.
      command.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { headers?: Record<string, string> }
          if (request.headers) request.headers['x-amz-content-sha256'] = sha256
          return next(args)
        },
        { step: 'build', name: 'precomputedPayloadHash' },
      )
      await client.send(command)
    },
    async copy(fromKey, toKey) {
      // CopySource is "<bucket>/<key>", URL-encoded per segment (our keys are built from safe parts).
      const source = `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`
      await client.send(new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: source }))
    },
    async deleteKeys(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000)
        if (batch.length === 0) continue
        const result = await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        )
        // DeleteObjects answers 200 even when some keys were not deleted; those come back one by
        // one in Errors. A key that is already gone is what we wanted.
        const failed = (result.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey')
        if (failed.length > 0) throw new ObjectsNotDeleted(failed.map((e) => ({ key: e.Key ?? '', code: e.Code ?? 'Unknown' })))
      }
    },
    async listKeys(prefix) {
      const keys: string[] = []
      let token: string | undefined
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
        for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key)
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
      return keys
    },
    async getStream(key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      return object.Body as Readable
    },
    presignGet(key, expiresInSeconds, downloadName) {
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(downloadName ? { ResponseContentDisposition: `attachment; filename="${downloadName.replace(/[^\w.-]/g, '_')}"` } : {}),
      })
      return getSignedUrl(client, command, { expiresIn: expiresInSeconds })
    },
    async ping() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(1_000) })
        return true
      } catch {
        return false
      }
    },
  }
}
