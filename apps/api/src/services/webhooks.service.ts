import { withTx, type Database } from '@printforge/db'
import {
  createWebhookEndpoint, deleteWebhookEndpoint, DEFAULT_ROTATION_OVERLAP_SECONDS, getWebhookEndpoint, listWebhookDeliveries,
  listWebhookEndpoints, parseWebhookUrl, replayWebhookDelivery, resolveWebhookTarget, rotateWebhookSecret, updateWebhookEndpoint,
  WebhookTargetError, type EndpointPatch, type NewEndpoint, type ResolveAll, type WebhookTargetPolicy,
} from '@printforge/domain'
import { AppError } from '@printforge/errors'
import type { PrinterKeyring } from '@printforge/printer-keys'
import type { WebhookDeliveryStatus } from '@printforge/db'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import { auditActor, dbContextOf, type Principal } from '../lib/principal.js'
import type { RequestMeta } from './types.js'

export interface WebhookServiceDeps {
  db: Pick<Database, 'prisma'>
  keyring: PrinterKeyring
  policy: WebhookTargetPolicy
  /** DNS for the save-time check (tests inject chosen answers). */
  resolveAll?: ResolveAll
}

/**
 * docs/integrations.md "Webhooks": endpoints and their deliveries, for admins and keys with
 * webhooks:manage (the route checks; the database's RLS checks again). A URL is checked — form and
 * every resolved address — before the transaction; the worker checks again at every connect.
 */
export function createWebhookService(deps: WebhookServiceDeps) {
  const checkUrl = async (url: string) => {
    try {
      const target = parseWebhookUrl(url, deps.policy)
      await resolveWebhookTarget(target, deps.resolveAll)
      return target.url.toString()
    } catch (err) {
      if (err instanceof WebhookTargetError) throw new AppError('VALIDATION_FAILED', err.message)
      throw err
    }
  }
  const tx = <T>(p: Principal, fn: Parameters<typeof withTx<T>>[2]) => withTx(deps.db.prisma, dbContextOf(p), fn)

  return {
    async create(p: Principal, input: NewEndpoint, meta: RequestMeta) {
      const url = await checkUrl(input.url)
      return tx(p, (t) => createWebhookEndpoint(t, deps.keyring, { ...input, url }, auditActor(p), meta))
    },
    list: (p: Principal) => tx(p, (t) => listWebhookEndpoints(t)),
    get: (p: Principal, id: string) => tx(p, (t) => getWebhookEndpoint(t, id)),
    async update(p: Principal, id: string, patch: EndpointPatch, meta: RequestMeta) {
      const url = patch.url === undefined ? undefined : await checkUrl(patch.url)
      return tx(p, (t) => updateWebhookEndpoint(t, id, { ...patch, ...(url ? { url } : {}) }, auditActor(p), meta))
    },
    remove: (p: Principal, id: string, meta: RequestMeta) => tx(p, (t) => deleteWebhookEndpoint(t, id, auditActor(p), meta)),
    rotate: (p: Principal, id: string, overlapSeconds: number | undefined, meta: RequestMeta) =>
      tx(p, (t) => rotateWebhookSecret(t, deps.keyring, id, overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS, auditActor(p), meta)),
    async deliveries(p: Principal, endpointId: string, q: { status?: WebhookDeliveryStatus; cursor?: string; limit: number }) {
      const after = decodeCursor(q.cursor, ['timestamp', 'uuid'])
      const page = await tx(p, (t) =>
        listWebhookDeliveries(t, endpointId, { ...(q.status ? { status: q.status } : {}), ...(after ? { after: { createdAt: after[0], id: after[1] } } : {}), limit: q.limit }),
      )
      return { items: page.items, nextCursor: page.next ? encodeCursor([page.next.createdAt.toISOString(), page.next.id]) : null }
    },
    replay: (p: Principal, endpointId: string, deliveryId: string, meta: RequestMeta) =>
      tx(p, (t) => replayWebhookDelivery(t, endpointId, deliveryId, auditActor(p), meta)),
  }
}

export type WebhookService = ReturnType<typeof createWebhookService>
