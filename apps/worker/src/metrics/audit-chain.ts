// printforge_audit_chain_ok and printforge_audit_chain_last_verified_timestamp_seconds, read at
// scrape time from audit_verifications (the latest finished run, whoever ran it: the nightly job,
// GET /audit/verify, the CLI), so the verdict survives a worker restart. Bounded; a failed read
// keeps the last values.
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { Gauge, type Registry } from '@printforge/metrics'
import { perScrape, readWithin, SCRAPE_READ_MS } from './scrape-read.js'

interface Verdict {
  ok: boolean
  finishedAt: Date
}

export function registerAuditChainMetrics(registry: Registry, db: Db): void {
  // undefined: not read yet; null: never verified.
  let last: Verdict | null | undefined
  const latest = perScrape(async () => {
    const run = await readWithin(() =>
      withTx(db, SYSTEM_CONTEXT, (tx) =>
        tx.auditVerificationRun.findFirst({ orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }], select: { ok: true, finishedAt: true } }),
      { timeoutMs: SCRAPE_READ_MS, maxWaitMs: SCRAPE_READ_MS }),
    )
    if (run !== undefined) last = run
    return last
  })
  new Gauge({
    name: 'printforge_audit_chain_ok',
    help: '1 when the latest audit chain verification found it intact; 0 when broken or never verified (the timestamp is 0 then)',
    registers: [registry],
    async collect() {
      const verdict = await latest()
      if (verdict !== undefined) this.set(verdict?.ok ? 1 : 0)
    },
  })
  new Gauge({
    name: 'printforge_audit_chain_last_verified_timestamp_seconds',
    help: 'When the audit chain was last verified, Unix seconds (0: never)',
    registers: [registry],
    async collect() {
      const verdict = await latest()
      if (verdict !== undefined) this.set(verdict ? verdict.finishedAt.getTime() / 1000 : 0)
    },
  })
}
