import type { Prisma, Tx } from '@printforge/db'
import { canMoveScan, type ScanStatus } from './states.js'

/**
 * The one way a scan job's status changes: a conditional update, so the worker and the API's
 * cancel or delete never both move one job — whichever commits first wins and the other sees it.
 * (Scan jobs keep no history table; their audit rows are written by the callers' flows.)
 */
export async function moveScanJob(
  tx: Tx,
  jobId: string,
  from: readonly ScanStatus[],
  to: ScanStatus,
  data: Omit<Prisma.ScanJobUncheckedUpdateManyInput, 'status' | 'id'> = {},
): Promise<boolean> {
  for (const f of from) if (!canMoveScan(f, to)) throw new Error(`scan job transition ${f} → ${to} is not in the table (scans/states.ts)`)
  const { count } = await tx.scanJob.updateMany({ where: { id: jobId, status: { in: [...from] } }, data: { ...data, status: to } })
  return count === 1
}
