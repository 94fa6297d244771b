import { withTx, writeAudit, type Database } from '@printforge/db'
import type { Principal } from '../lib/principal.js'
import { dbContextOf } from '../lib/principal.js'
import { quotaOf } from './quota.service.js'
import type { RequestMeta } from './scan-jobs.service.js'

/** GET /me and GET /me/export (PRODUCT §4.6 data rights). */
export function createAccountService(deps: { db: Database; defaultQuota: number }) {
  return {
    me: (p: Principal) => ({ actorType: p.actorType, actorId: p.actorId, role: p.role }),

    /**
     * Everything we hold about the caller, read in one transaction under the caller's own RLS
     * context: their jobs and images, their quota, and the audit rows of their own actions.
     */
    async export(p: Principal, meta: RequestMeta) {
      return withTx(deps.db.prisma, dbContextOf(p), async (tx) => {
        const customer = p.actorType === 'customer'
        const [jobs, quota, audit] = await Promise.all([
          customer
            ? tx.scanJob.findMany({
                where: { customerId: p.actorId },
                orderBy: { createdAt: 'asc' },
                include: { images: { select: { id: true, originalFilename: true, contentType: true, bytes: true, width: true, height: true, sha256: true, status: true, failureReason: true, createdAt: true } } },
              })
            : [],
          customer ? quotaOf(tx, p.actorId, deps.defaultQuota) : null,
          tx.auditLog.findMany({
            where: { actorId: p.actorId, actorType: p.actorType },
            orderBy: { id: 'asc' },
            select: { id: true, at: true, action: true, targetType: true, targetId: true, ip: true, userAgent: true, details: true },
          }),
        ])
        await writeAudit(tx, { ...{ actorType: p.actorType, actorId: p.actorId }, action: 'data.exported', targetType: p.actorType, targetId: p.actorId, ...meta, details: { jobs: jobs.length, auditRows: audit.length } })
        return {
          exportedAt: new Date().toISOString(),
          identity: { actorType: p.actorType, actorId: p.actorId, role: p.role },
          quota,
          jobs: jobs.map((j) => ({ ...j, createdAt: j.createdAt.toISOString(), updatedAt: j.updatedAt.toISOString(), finishedAt: j.finishedAt?.toISOString() ?? null, images: j.images.map((i) => ({ ...i, createdAt: i.createdAt.toISOString() })) })),
          auditTrail: audit.map((a) => ({ ...a, id: a.id.toString(), at: a.at.toISOString() })),
        }
      })
    },
  }
}

export type AccountService = ReturnType<typeof createAccountService>
