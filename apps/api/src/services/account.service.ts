import { Readable } from 'node:stream'
import { withTx, writeAudit, type Database } from '@printforge/db'
import type { PersonPrincipal } from '../lib/principal.js'
import { dbContextOf } from '../lib/principal.js'
import { createExportReader, exportDocument, type ExportHead } from './account-export.js'
import { quotaOf } from './quota.service.js'
import type { RequestMeta } from './types.js'

/** The caller as GET /me shows it and GET /me/export begins with: identity, role, group roles. */
function identityOf(p: PersonPrincipal) {
  return {
    actorType: p.actorType, actorId: p.actorId, role: p.role,
    groups: (p.groups ?? []).map((g) => ({ id: g.groupId, name: g.name, role: g.role })),
  }
}

/** GET /me and GET /me/export (docs/product.md §4.6 data rights). */
export function createAccountService(deps: { db: Pick<Database, 'prisma'>; defaultQuota: number }) {
  return {
    me: identityOf,

    /**
     * Everything we hold about the caller, under the caller's own RLS context: their jobs and
     * images, their quota, and the audit rows of their own actions, as a stream of JSON text
     * read in batches (account-export.ts), so memory stays bounded whatever the history.
     *
     * `data.exported` is written, and committed, before the first byte is sent: data starts
     * leaving with the first chunk, so the record of the disclosure must exist before it, and a
     * failure to audit means no data leaves. It may therefore record an export the client then
     * abandoned mid-stream — recording one too many, never one too few.
     */
    async export(p: PersonPrincipal, meta: RequestMeta): Promise<Readable> {
      const head = await withTx(deps.db.prisma, dbContextOf(p), async (tx): Promise<ExportHead> => {
        const customer = p.actorType === 'customer'
        const own = { actorId: p.actorId, actorType: p.actorType }
        const quota = customer ? await quotaOf(tx, p.actorId, deps.defaultQuota) : null
        const jobs = customer ? await tx.scanJob.count({ where: { customerId: p.actorId } }) : 0
        const audit = await tx.auditLog.aggregate({ where: own, _count: { _all: true }, _max: { id: true } })
        await writeAudit(tx, { ...own, action: 'data.exported', targetType: p.actorType, targetId: p.actorId, ...meta, details: { jobs, auditRows: audit._count._all } })
        return {
          exportedAt: new Date().toISOString(),
          identity: identityOf(p),
          quota,
          // The trail ends where the export began: this export's own row and later ones are not in it.
          auditThrough: audit._max.id ?? 0n,
        }
      })
      return Readable.from(exportDocument(head, createExportReader(deps.db, p)), { objectMode: false })
    },
  }
}

export type AccountService = ReturnType<typeof createAccountService>
