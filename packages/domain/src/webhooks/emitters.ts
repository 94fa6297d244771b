// The events the worker reports (docs/integrations.md "Webhooks", event table), each emitted in the
// transaction of the change it reports. Order and print job events live with their transitions.
import type { Tx } from '@printforge/db'
import { emitWebhookEvent } from './events.js'

/** scan.stored / scan.failed, after the scan job reached that state (same transaction). */
export async function emitScanFinished(tx: Tx, scanJobId: string): Promise<void> {
  const job = await tx.scanJob.findUnique({ where: { id: scanJobId }, select: { customerId: true, status: true, imageCount: true, failureReason: true } })
  if (!job || (job.status !== 'stored' && job.status !== 'failed')) return
  await emitWebhookEvent(tx, job.status === 'stored' ? 'scan.stored' : 'scan.failed', {
    scanJobId, customerId: job.customerId, status: job.status, imageCount: job.imageCount, failureReason: job.failureReason,
  })
}

export interface PrinterStatusSnapshot {
  online: boolean
  connection: string
  errors: readonly { code: string }[]
}

/**
 * printer.offline when an online printer goes offline; printer.error when the printer reports an
 * error code it did not report before (no event while the same errors persist). `before` is the
 * stored row the write replaces (null: the first write, which is no transition).
 */
export async function emitPrinterTransitions(tx: Tx, printerId: string, before: PrinterStatusSnapshot | null, after: PrinterStatusSnapshot): Promise<void> {
  if (!before) return
  const wentOffline = before.online && !after.online
  const known = new Set(before.errors.map((e) => e.code))
  const newError = after.errors.some((e) => !known.has(e.code))
  if (!wentOffline && !newError) return
  const printer = await tx.printer.findUnique({ where: { id: printerId }, select: { name: true, model: true } })
  if (!printer) return
  const data = { printerId, name: printer.name, model: printer.model, connection: after.connection, errors: after.errors }
  if (wentOffline) await emitWebhookEvent(tx, 'printer.offline', data)
  if (newError) await emitWebhookEvent(tx, 'printer.error', data)
}
