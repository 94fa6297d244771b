import { withTx, writeAudit, type Database, type Tx } from '@printforge/db'
import type { Principal } from '../lib/principal.js'
import type { RequestMeta } from './types.js'

export interface QuotaView {
  monthlyLimit: number
  used: number
  remaining: number
  resetsAt: string
}

/** Quota periods are calendar months in UTC. */
export function currentPeriod(now = new Date()) {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))
  return { start, end }
}

/**
 * A customer's quota as seen inside `tx` (which must see the customer's rows). `used` counts the
 * jobs created this month (quota_usage, kept by a database trigger on every insert), not the jobs
 * that still exist: deleting a job gives no quota back.
 */
export async function quotaOf(tx: Tx, customerId: string, defaultLimit: number): Promise<QuotaView> {
  const { start, end } = currentPeriod()
  const [row, usage] = await Promise.all([
    tx.customerQuota.findUnique({ where: { customerId }, select: { monthlyLimit: true } }),
    tx.quotaUsage.findUnique({ where: { customerId_period: { customerId, period: start } }, select: { jobsCreated: true } }),
  ])
  const monthlyLimit = row?.monthlyLimit ?? defaultLimit
  const used = usage?.jobsCreated ?? 0
  return { monthlyLimit, used, remaining: Math.max(0, monthlyLimit - used), resetsAt: end.toISOString() }
}

/**
 * Serialises a customer's job creations so two concurrent uploads cannot both take the last
 * unit of quota. A transaction-scoped advisory lock needs no write right on the quota row.
 */
export async function lockQuota(tx: Tx, customerId: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('quota:' || ${customerId}, 0))`
}

export function createQuotaService(deps: { db: Pick<Database, 'prisma'>; defaultLimit: number }) {
  return {
    get: (p: Principal) =>
      withTx(deps.db.prisma, { actorId: p.actorId, role: 'customer' }, (tx) => quotaOf(tx, p.actorId, deps.defaultLimit)),

    async set(p: Principal, customerId: string, monthlyLimit: number, meta: RequestMeta) {
      return withTx(deps.db.prisma, { actorId: p.actorId, role: 'admin' }, async (tx) => {
        const before = await tx.customerQuota.findUnique({ where: { customerId }, select: { monthlyLimit: true } })
        await tx.customerQuota.upsert({
          where: { customerId },
          create: { customerId, monthlyLimit, updatedBy: p.actorId },
          update: { monthlyLimit, updatedBy: p.actorId },
        })
        await writeAudit(tx, {
          actorType: 'user',
          actorId: p.actorId,
          action: 'quota.changed',
          targetType: 'customer',
          targetId: customerId,
          ...meta,
          details: { from: before?.monthlyLimit ?? null, to: monthlyLimit },
        })
        return quotaOf(tx, customerId, deps.defaultLimit)
      })
    },
  }
}

export type QuotaService = ReturnType<typeof createQuotaService>
