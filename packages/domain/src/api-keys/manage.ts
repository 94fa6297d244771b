// Creating, listing and revoking API keys: the one flow for the API (admins) and the CLI (ops),
// each change with its audit row in the caller's transaction (docs/integrations.md "API keys").
// The key itself leaves here once, in createApiKey's result; only its SHA-256 is stored, and no
// function here ever selects the digest back.
import { writeAudit, type Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'
import type { Actor, RequestMeta } from '../actor.js'
import { normalizeAllowedCidrs } from './cidrs.js'
import { generateApiKey } from './key-format.js'
import { isApiKeyScope, type ApiKeyScope } from './scopes.js'

export const API_KEY_NAME_MAX = 120

export interface ApiKeyInput {
  name: string
  scopes: readonly string[]
  expiresAt?: Date | null
  allowedCidrs?: readonly string[]
}

/** A key as admins see it: never the key, never its digest. */
export interface ApiKeyRecord {
  id: string
  name: string
  scopes: ApiKeyScope[]
  allowedCidrs: string[]
  expiresAt: Date | null
  revokedAt: Date | null
  revokedBy: string | null
  lastUsedAt: Date | null
  lastUsedIp: string | null
  createdBy: string
  createdAt: Date
}

const RECORD_SELECT = {
  id: true, name: true, scopes: true, allowedCidrs: true, expiresAt: true, revokedAt: true, revokedBy: true,
  lastUsedAt: true, lastUsedIp: true, createdBy: true, createdAt: true,
} as const

const invalid = (message: string) => new AppError('VALIDATION_FAILED', message)

/** Checks and normalises what a caller asks for (the API's schema checks shapes; this checks meaning). */
export function validateApiKeyInput(input: ApiKeyInput, now = new Date()) {
  const name = input.name.trim()
  if (name.length < 1 || name.length > API_KEY_NAME_MAX) throw invalid(`name: 1 to ${API_KEY_NAME_MAX} characters.`)
  const unknown = input.scopes.filter((s) => !isApiKeyScope(s))
  if (unknown.length > 0) throw invalid(`scopes: unknown scope ${JSON.stringify(unknown[0]?.slice(0, 40))}.`)
  const scopes = [...new Set(input.scopes)] as ApiKeyScope[]
  if (scopes.length === 0) throw invalid('scopes: at least one scope.')
  const expiresAt = input.expiresAt ?? null
  if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now.getTime())) throw invalid('expiresAt: must be a time in the future.')
  return { name, scopes, expiresAt, allowedCidrs: normalizeAllowedCidrs(input.allowedCidrs ?? []) }
}

/** A new key (admin or system context). Returns its record and the key, which is shown once. */
export async function createApiKey(tx: Tx, input: ApiKeyInput, by: Actor, meta: RequestMeta, via?: 'cli'): Promise<{ apiKey: ApiKeyRecord; key: string }> {
  const valid = validateApiKeyInput(input)
  const { key, id, hash } = generateApiKey()
  const row = await tx.apiKey.create({
    data: { id, keyHash: hash, ...valid, createdBy: by.actorId ?? by.actorType },
    select: RECORD_SELECT,
  })
  await writeAudit(tx, {
    ...by, ...meta, action: 'api_key.created', targetType: 'api_key', targetId: id,
    details: { name: valid.name, scopes: valid.scopes, allowedCidrs: valid.allowedCidrs, expiresAt: valid.expiresAt?.toISOString() ?? null, ...(via ? { via } : {}) },
  })
  return { apiKey: row as ApiKeyRecord, key }
}

/** Every key, newest first (revoked ones too: the audit log names them). */
export async function listApiKeys(tx: Tx, limit = 1_000): Promise<ApiKeyRecord[]> {
  return (await tx.apiKey.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: limit, select: RECORD_SELECT })) as ApiKeyRecord[]
}

/**
 * Revokes a key (the row stays). Revoking a revoked key changes nothing and writes nothing; an
 * unknown id is NOT_FOUND. The row is locked so two revocations cannot both audit.
 */
export async function revokeApiKey(tx: Tx, id: string, by: Actor, meta: RequestMeta, via?: 'cli'): Promise<{ apiKey: ApiKeyRecord; changed: boolean }> {
  const [locked] = await tx.$queryRaw<{ revoked_at: Date | null }[]>`SELECT revoked_at FROM api_keys WHERE id = ${id} FOR UPDATE`
  if (!locked) throw new AppError('NOT_FOUND', 'API key not found.')
  if (locked.revoked_at) {
    return { apiKey: (await tx.apiKey.findUniqueOrThrow({ where: { id }, select: RECORD_SELECT })) as ApiKeyRecord, changed: false }
  }
  const row = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date(), revokedBy: by.actorId ?? by.actorType }, select: RECORD_SELECT })
  await writeAudit(tx, { ...by, ...meta, action: 'api_key.revoked', targetType: 'api_key', targetId: id, details: { name: row.name, ...(via ? { via } : {}) } })
  return { apiKey: row as ApiKeyRecord, changed: true }
}
