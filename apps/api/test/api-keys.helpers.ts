import assert from 'node:assert/strict'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { generateApiKey, type ApiKeyScope } from '@printforge/domain'
import type { TestApi } from './helper.ts'

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` })

/** A key made through POST /api-keys by a fresh admin. */
export async function createKey(api: TestApi, body: { scopes: ApiKeyScope[]; allowedCidrs?: string[]; expiresAt?: string; name?: string }) {
  const admin = await api.staff('admin')
  const res = await api.app.inject({ method: 'POST', url: '/api-keys', headers: admin.auth, payload: { name: 'shop', ...body } })
  assert.equal(res.statusCode, 201, res.body)
  const { apiKey, key } = res.json() as { apiKey: { id: string }; key: string }
  return { id: apiKey.id, key, admin }
}

/** A key row written directly (states the API refuses to create, such as an expiry in the past). */
export async function insertKey(api: TestApi, data: { scopes: ApiKeyScope[]; expiresAt?: Date; revokedAt?: Date; allowedCidrs?: string[] }) {
  const { key, id, hash } = generateApiKey()
  await withTx(api.db, SYSTEM_CONTEXT, (tx) =>
    tx.apiKey.create({ data: { id, keyHash: hash, name: 'direct', scopes: data.scopes, allowedCidrs: data.allowedCidrs ?? [], expiresAt: data.expiresAt ?? null, revokedAt: data.revokedAt ?? null, createdBy: 'test' } }),
  )
  return { id, key }
}

/** The api_key.used rows of a key, waiting briefly: they are written after the answer (onResponse). */
export async function usedRows(api: TestApi, id: string, atLeast: number) {
  for (let i = 0; ; i++) {
    const rows = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.auditLog.findMany({ where: { action: 'api_key.used', actorId: id }, orderBy: { id: 'asc' } }))
    if (rows.length >= atLeast || i > 50) return rows
    await new Promise((r) => setTimeout(r, 40))
  }
}

