// Which printers have a manufacturing job dispatched to them or printing on them: read from the
// database at scrape time (as the system, like all the worker's reads), so it holds for jobs this
// process never dispatched and survives a restart. Bounded; a failed read keeps the last answer.
import { SYSTEM_CONTEXT, withTx, type Db } from '@printforge/db'
import { PRINT_HOLDING_PRINTER } from '@printforge/domain'
import { readWithin, SCRAPE_READ_MS } from './scrape-read.js'

export interface ActiveJobs {
  /** Printer ids holding an active job; the last answer when the database did not give one. */
  read(): Promise<ReadonlySet<string>>
}

export function activeJobsReader(db: Db): ActiveJobs {
  let last: ReadonlySet<string> = new Set()
  return {
    async read() {
      const rows = await readWithin(() =>
        withTx(db, SYSTEM_CONTEXT, (tx) =>
          tx.manufacturingJob.findMany({
            where: { status: { in: [...PRINT_HOLDING_PRINTER] }, printerId: { not: null } },
            select: { printerId: true },
            distinct: ['printerId'],
          }),
        { timeoutMs: SCRAPE_READ_MS, maxWaitMs: SCRAPE_READ_MS }),
      )
      if (rows) last = new Set(rows.map((r) => r.printerId).filter((id): id is string => id !== null))
      return last
    },
  }
}
