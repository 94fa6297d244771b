// Idempotent creation (docs/product.md §3): a POST with an Idempotency-Key creates at most once per
// actor and key within 24 h; a retry gets the first answer back, the same key with a different
// request gets 409. One flow for every creating route.
import { isUniqueViolation, withTx, type Db, type DbContext, type Prisma, type Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000
const KEY = /^[\x21-\x7e]{1,255}$/

/** The Idempotency-Key header, validated; undefined when absent. */
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

export interface IdempotentRequest {
  actorId: string
  key: string | undefined
  /** A digest of everything that makes the request what it is (fields, file hashes). */
  requestHash: string
}

export type CreateOutcome<R> = { created: true; response: StoredResponse; result: R } | { created: false; response: StoredResponse }

/** The stored answer for (actor, key), or undefined; expired records count as absent. */
async function replayFor(tx: Tx, r: IdempotentRequest & { key: string }): Promise<StoredResponse | undefined> {
  const record = await tx.idempotencyKey.findUnique({ where: { actorId_key: { actorId: r.actorId, key: r.key } } })
  if (!record || record.expiresAt < new Date()) return undefined
  if (record.requestHash !== r.requestHash) throw new AppError('CONFLICT', 'This Idempotency-Key was used with a different request.')
  return { statusCode: record.statusCode, body: record.responseBody }
}

async function remember(tx: Tx, r: IdempotentRequest & { key: string }, response: StoredResponse) {
  await tx.idempotencyKey.deleteMany({ where: { actorId: r.actorId, key: r.key, expiresAt: { lt: new Date() } } })
  await tx.idempotencyKey.create({
    data: {
      actorId: r.actorId, key: r.key, requestHash: r.requestHash, statusCode: response.statusCode,
      responseBody: response.body as Prisma.InputJsonValue, expiresAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS),
    },
  })
}

/** The earlier answer to this request, if any (checked before expensive work such as storing a file). */
export async function findReplay(db: Db, context: DbContext, r: IdempotentRequest): Promise<StoredResponse | undefined> {
  const { key } = r
  if (!key) return undefined
  return withTx(db, context, (tx) => replayFor(tx, { ...r, key }))
}

/** Whether (actor, key) has a live record, whatever the request was. */
export async function hasIdempotencyKey(db: Db, context: DbContext, actorId: string, key: string): Promise<boolean> {
  return withTx(db, context, async (tx) => {
    const record = await tx.idempotencyKey.findUnique({ where: { actorId_key: { actorId, key } }, select: { expiresAt: true } })
    return Boolean(record && record.expiresAt >= new Date())
  })
}

/**
 * Replays or creates, in one transaction: the replay check, `create` (the rows and their audit
 * rows) and the remembered answer commit together. A concurrent twin with the same key loses the
 * unique race and replays the winner's answer.
 */
export async function createIdempotently<R>(
  db: Db,
  context: DbContext,
  r: IdempotentRequest,
  create: (tx: Tx) => Promise<{ response: StoredResponse; result: R }>,
): Promise<CreateOutcome<R>> {
  const { key } = r
  try {
    return await withTx(db, context, async (tx) => {
      if (key) {
        const replay = await replayFor(tx, { ...r, key })
        if (replay) return { created: false as const, response: replay }
      }
      const { response, result } = await create(tx)
      if (key) await remember(tx, { ...r, key }, response)
      return { created: true as const, response, result }
    })
  } catch (err) {
    if (key && isUniqueViolation(err)) {
      const replay = await findReplay(db, context, r)
      if (replay) return { created: false, response: replay }
    }
    throw err
  }
}
