import { AuditVerifyIncomplete, verifyAndRecordAuditChain, withTx, writeAudit, type Database, type Prisma } from '@printforge/db'
import { AppError } from '@printforge/errors'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import type { Principal } from '../lib/principal.js'
import type { RequestMeta } from './types.js'

/** How long GET /audit/verify may walk the chain before it gives up. */
const VERIFY_BUDGET_MS = 120_000

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
export function createAuditQueryService(deps: { db: Pick<Database, 'prisma'> }) {
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

    /**
     * Batch by batch, so the pool's statement timeout never cuts it; bounded by VERIFY_BUDGET_MS
     * so a huge log answers 503 (the nightly job, which resumes across attempts, covers it).
     */
    async verify(p: Principal) {
      try {
        return await verifyAndRecordAuditChain(deps.db.prisma, admin(p), 'api', { deadline: Date.now() + VERIFY_BUDGET_MS })
      } catch (err) {
        if (!(err instanceof AuditVerifyIncomplete)) throw err
        throw new AppError('UNAVAILABLE', 'The audit log is too large to verify within one request; the nightly verification covers it.', { cause: err })
      }
    },
  }
}

export type AuditQueryService = ReturnType<typeof createAuditQueryService>
