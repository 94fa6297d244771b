import { verifyAuditChain, withTx, writeAudit, type Database, type Prisma } from '@printforge/db'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import type { Principal } from '../lib/principal.js'
import type { RequestMeta } from './scan-jobs.service.js'

export interface AuditFilters {
  action?: string
  actorId?: string
  targetId?: string
  from?: string
  to?: string
  cursor?: string
  limit: number
}

/** GET /audit and GET /audit/verify (admin). Reading the log is itself audited (admin.access). */
export function createAuditQueryService(deps: { db: Database }) {
  const admin = (p: Principal) => ({ actorId: p.actorId, role: 'admin' as const })
  return {
    async list(p: Principal, f: AuditFilters, meta: RequestMeta) {
      const before = decodeCursor(f.cursor, ['id'])
      const where: Prisma.AuditLogWhereInput = {
        ...(f.action ? { action: f.action } : {}),
        ...(f.actorId ? { actorId: f.actorId } : {}),
        ...(f.targetId ? { targetId: f.targetId } : {}),
        ...(f.from || f.to ? { at: { ...(f.from ? { gte: new Date(f.from) } : {}), ...(f.to ? { lt: new Date(f.to) } : {}) } } : {}),
        ...(before ? { id: { lt: before[0] } } : {}),
      }
      return withTx(deps.db.prisma, admin(p), async (tx) => {
        const rows = await tx.auditLog.findMany({ where, orderBy: { id: 'desc' }, take: f.limit + 1 })
        const page = rows.slice(0, f.limit)
        await writeAudit(tx, { actorType: 'user', actorId: p.actorId, action: 'admin.access', targetType: 'audit_log', ...meta, details: { filters: { action: f.action ?? null, actorId: f.actorId ?? null, targetId: f.targetId ?? null }, count: page.length } })
        const last = page.at(-1)
        return {
          items: page.map((r) => ({ ...r, id: r.id.toString(), at: r.at.toISOString(), details: r.details as Record<string, unknown> })),
          nextCursor: rows.length > f.limit && last ? encodeCursor([last.id.toString()]) : null,
        }
      })
    },

    verify: (p: Principal) => withTx(deps.db.prisma, admin(p), verifyAuditChain, { timeoutMs: 120_000 }),
  }
}

export type AuditQueryService = ReturnType<typeof createAuditQueryService>
