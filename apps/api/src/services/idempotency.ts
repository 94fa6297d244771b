import { AppError } from '@printforge/errors'
import type { Prisma, Tx } from '@printforge/db'

/** docs/product.md §3: keys live 24 h per actor. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000
const KEY = /^[\x21-\x7e]{1,255}$/

export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  if (Array.isArray(header) || !KEY.test(header)) {
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1–255 printable ASCII characters.')
  }
  return header
}

export interface StoredResponse {
  statusCode: number
  body: unknown
}

/**
 * The stored answer for (actor, key), or undefined. The same key with a different request is 409.
 * Expired records count as absent.
 */
export async function replayFor(tx: Tx, actorId: string, key: string, requestHash: string): Promise<StoredResponse | undefined> {
  const record = await tx.idempotencyKey.findUnique({ where: { actorId_key: { actorId, key } } })
  if (!record || record.expiresAt < new Date()) return undefined
  if (record.requestHash !== requestHash) {
    throw new AppError('CONFLICT', 'This Idempotency-Key was used with a different request.')
  }
  return { statusCode: record.statusCode, body: record.responseBody }
}

/** Remembers the answer in the same transaction as the change it describes. */
export async function remember(tx: Tx, actorId: string, key: string, requestHash: string, response: StoredResponse) {
  await tx.idempotencyKey.deleteMany({ where: { actorId, key, expiresAt: { lt: new Date() } } })
  await tx.idempotencyKey.create({
    data: {
      actorId,
      key,
      requestHash,
      statusCode: response.statusCode,
      responseBody: response.body as Prisma.InputJsonValue,
      expiresAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS),
    },
  })
}

export async function hasKey(tx: Tx, actorId: string, key: string): Promise<boolean> {
  const record = await tx.idempotencyKey.findUnique({ where: { actorId_key: { actorId, key } }, select: { expiresAt: true } })
  return Boolean(record && record.expiresAt >= new Date())
}
