// Webhook endpoints (docs/integrations.md "Webhooks"): created, changed, rotated and deleted by
// admins or keys with webhooks:manage, each with its audit row in the same transaction. The URL is
// checked by the caller (target.ts resolves DNS, which does not belong inside a transaction).
import { randomUUID } from 'node:crypto'
import { writeAudit, type Prisma, type Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'
import type { PrinterKeyring } from '@printforge/printer-keys'
import type { Actor, RequestMeta } from '../actor.js'
import type { WebhookEventType } from './events.js'
import { generateWebhookSecret, sealWebhookSecret } from './secrets.js'

/** Rotation overlap: default one day, at most seven (docs/integrations.md). */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 86_400
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 86_400

const VIEW = {
  id: true, url: true, description: true, events: true, enabled: true, createdBy: true, createdAt: true, updatedAt: true,
  secrets: { select: { id: true, createdAt: true, expiresAt: true }, orderBy: { createdAt: 'desc' } },
} satisfies Prisma.WebhookEndpointSelect
type Row = Prisma.WebhookEndpointGetPayload<{ select: typeof VIEW }>

/** What callers see: never a secret, only which secrets exist and until when they sign. */
export function endpointView(row: Row) {
  return {
    id: row.id, url: row.url, description: row.description, events: row.events, enabled: row.enabled,
    createdBy: row.createdBy, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString(),
    secrets: row.secrets.map((s) => ({ id: s.id, createdAt: s.createdAt.toISOString(), expiresAt: s.expiresAt?.toISOString() ?? null })),
  }
}
export type WebhookEndpointView = ReturnType<typeof endpointView>

const audit = (tx: Tx, action: 'webhook.created' | 'webhook.updated' | 'webhook.deleted' | 'webhook.secret_rotated', id: string, by: Actor, meta: RequestMeta, details: Record<string, unknown>) =>
  writeAudit(tx, { ...by, action, targetType: 'webhook_endpoint', targetId: id, ...meta, details })

export interface NewEndpoint {
  url: string
  events: WebhookEventType[]
  description?: string
}

/** A new endpoint with its first secret; the secret is returned here and never again. */
export async function createWebhookEndpoint(tx: Tx, keyring: PrinterKeyring, input: NewEndpoint, by: Actor, meta: RequestMeta) {
  const id = randomUUID()
  const secret = generateWebhookSecret()
  await tx.webhookEndpoint.create({
    data: { id, url: input.url, events: [...new Set(input.events)], description: input.description ?? null, createdBy: by.actorId ?? 'unknown' },
    select: { id: true },
  })
  await tx.webhookSecret.create({ data: sealWebhookSecret(keyring, secret, id, randomUUID()), select: { id: true } })
  const row = await tx.webhookEndpoint.findUniqueOrThrow({ where: { id }, select: VIEW })
  await audit(tx, 'webhook.created', id, by, meta, { url: input.url, events: row.events })
  return { endpoint: endpointView(row), secret }
}

export async function listWebhookEndpoints(tx: Tx) {
  const rows = await tx.webhookEndpoint.findMany({ select: VIEW, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: 500 })
  return rows.map(endpointView)
}

export async function getWebhookEndpoint(tx: Tx, id: string) {
  const row = await tx.webhookEndpoint.findUnique({ where: { id }, select: VIEW })
  if (!row) throw new AppError('NOT_FOUND', 'Webhook endpoint not found.')
  return endpointView(row)
}

export interface EndpointPatch {
  url?: string
  events?: WebhookEventType[]
  enabled?: boolean
  description?: string | null
}

export async function updateWebhookEndpoint(tx: Tx, id: string, patch: EndpointPatch, by: Actor, meta: RequestMeta) {
  await getWebhookEndpoint(tx, id)
  const data = {
    ...(patch.url !== undefined ? { url: patch.url } : {}),
    ...(patch.events !== undefined ? { events: [...new Set(patch.events)] } : {}),
    ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
  }
  const row = await tx.webhookEndpoint.update({ where: { id }, data, select: VIEW })
  await audit(tx, 'webhook.updated', id, by, meta, { changed: Object.keys(data), url: row.url, events: row.events, enabled: row.enabled })
  return endpointView(row)
}

/** Deletes the endpoint with its secrets and deliveries (the audit row keeps the URL). */
export async function deleteWebhookEndpoint(tx: Tx, id: string, by: Actor, meta: RequestMeta) {
  const row = await getWebhookEndpoint(tx, id)
  await tx.webhookEndpoint.delete({ where: { id }, select: { id: true } })
  await audit(tx, 'webhook.deleted', id, by, meta, { url: row.url })
}

/**
 * A new current secret; the previous current one keeps signing until now + overlapSeconds (0: it
 * stops at once). Secrets whose overlap already ended are removed. Returns the new secret, once.
 */
export async function rotateWebhookSecret(tx: Tx, keyring: PrinterKeyring, id: string, overlapSeconds: number, by: Actor, meta: RequestMeta) {
  await getWebhookEndpoint(tx, id)
  const now = new Date()
  const expiresAt = new Date(now.getTime() + overlapSeconds * 1000)
  await tx.webhookSecret.deleteMany({ where: { endpointId: id, expiresAt: { lte: now } } })
  // An earlier rotation's old secret still in its overlap ends no later than the new overlap.
  await tx.webhookSecret.updateMany({ where: { endpointId: id, expiresAt: { gt: expiresAt } }, data: { expiresAt } })
  await tx.webhookSecret.updateMany({ where: { endpointId: id, expiresAt: null }, data: { expiresAt } })
  const secret = generateWebhookSecret()
  await tx.webhookSecret.create({ data: sealWebhookSecret(keyring, secret, id, randomUUID()), select: { id: true } })
  await tx.webhookEndpoint.update({ where: { id }, data: { updatedAt: now }, select: { id: true } })
  const row = await tx.webhookEndpoint.findUniqueOrThrow({ where: { id }, select: VIEW })
  await audit(tx, 'webhook.secret_rotated', id, by, meta, { overlapSeconds, previousExpiresAt: expiresAt.toISOString() })
  return { endpoint: endpointView(row), secret }
}
