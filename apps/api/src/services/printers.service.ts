import { randomUUID } from 'node:crypto'
import { withTx, writeAudit, type Database, type Prisma, type Tx } from '@printforge/db'
import { registerPrinter, removePrinter, storedTrays, updatePrinter } from '@printforge/domain'
import { AppError } from '@printforge/errors'
import type { PrinterKeyring } from '@printforge/printer-keys'
import type { Static } from 'typebox'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import { auditActor, dbContextOf, type Principal } from '../lib/principal.js'
import type { Printer, PrinterCommandBody, RegisterPrinterBody, UpdatePrinterBody } from '../schemas/printers.js'
import type { EnqueueAfterCommit, RequestMeta } from './types.js'

type PrinterView = Static<typeof Printer>

/** Never select the encrypted access code for a view. */
const VIEW_SELECT = {
  id: true, name: true, model: true, serial: true, host: true, mqttPort: true, ftpsPort: true, createdAt: true, updatedAt: true,
  status: true,
} satisfies Prisma.PrinterSelect
type PrinterRow = Prisma.PrinterGetPayload<{ select: typeof VIEW_SELECT }>

function toView(p: PrinterRow): PrinterView {
  const s = p.status
  return {
    id: p.id, name: p.name, model: p.model, serial: p.serial, host: p.host, mqttPort: p.mqttPort, ftpsPort: p.ftpsPort,
    online: s?.online ?? false,
    connection: s?.connection ?? 'offline',
    controlEnabled: s?.controlEnabled ?? true,
    gcodeState: s?.gcodeState ?? null,
    progress: s?.progress ?? null,
    remainingMinutes: s?.remainingMinutes ?? null,
    layer: s?.layer ?? null,
    totalLayers: s?.totalLayers ?? null,
    temperatures: { nozzle: s?.nozzleTemp ?? null, bed: s?.bedTemp ?? null, chamber: s?.chamberTemp ?? null },
    errors: Array.isArray(s?.errors) ? (s.errors as PrinterView['errors']) : [],
    ams: storedTrays(s?.ams) as PrinterView['ams'],
    lastSeenAt: s?.lastSeenAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  }
}

/** docs/product.md §4.4: operators read and control printers; admins manage them. */
export function createPrinterService(deps: { db: Pick<Database, 'prisma'>; keyring: PrinterKeyring; enqueue: EnqueueAfterCommit }) {
  const { db, keyring } = deps
  const find = async (tx: Prisma.TransactionClient, id: string) => {
    const printer = await tx.printer.findUnique({ where: { id }, select: VIEW_SELECT })
    if (!printer) throw new AppError('NOT_FOUND', 'Printer not found.')
    return printer
  }

  return {
    async register(p: Principal, body: Static<typeof RegisterPrinterBody>, meta: RequestMeta): Promise<PrinterView> {
      return withTx(db.prisma, dbContextOf(p), async (tx) => toView(await find(tx, await registerPrinter(tx, keyring, body, auditActor(p), meta))))
    },

    async list(p: Principal, query: { cursor?: string; limit: number }) {
      const after = decodeCursor(query.cursor, ['text', 'uuid'])
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const rows = await tx.printer.findMany({
          where: after ? { OR: [{ name: { gt: after[0] } }, { name: after[0], id: { gt: after[1] } }] } : {},
          orderBy: [{ name: 'asc' }, { id: 'asc' }],
          take: query.limit + 1,
          select: VIEW_SELECT,
        })
        const page = rows.slice(0, query.limit)
        const last = page.at(-1)
        return { items: page.map(toView), nextCursor: rows.length > query.limit && last ? encodeCursor([last.name, last.id]) : null }
      })
    },

    get: (p: Principal, id: string) => withTx(db.prisma, dbContextOf(p), async (tx) => toView(await find(tx, id))),

    async update(p: Principal, id: string, body: Static<typeof UpdatePrinterBody>, meta: RequestMeta): Promise<PrinterView> {
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        await updatePrinter(tx, keyring, id, body, auditActor(p), meta)
        return toView(await find(tx, id))
      })
    },

    remove: (p: Principal, id: string, meta: RequestMeta) => withTx(db.prisma, dbContextOf(p), (tx) => removePrinter(tx, id, auditActor(p), meta)),

    /**
     * Audits, then enqueues after the commit (like every job): the worker can never act on a
     * command whose audit row might still roll back. Its enqueue policy is `reject` (a pause or
     * stop sent minutes late would surprise an operator): when the queue refuses it the caller
     * gets 503 and a second audit row records that it was not sent.
     */
    async command(p: Principal, id: string, command: Static<typeof PrinterCommandBody>['command'], meta: RequestMeta) {
      const requestId = meta.requestId ?? randomUUID()
      const audit = (details: Record<string, unknown>) => (tx: Tx) =>
        writeAudit(tx, { ...auditActor(p), action: 'printer.controlled', targetType: 'printer', targetId: id, ...meta, details })
      await withTx(db.prisma, dbContextOf(p), async (tx) => {
        await find(tx, id)
        await audit({ command })(tx)
      })
      try {
        await deps.enqueue('printer.command', { printerId: id, command, requestId }, `${id}-${requestId}`)
      } catch (err) {
        await withTx(db.prisma, dbContextOf(p), audit({ command, queued: false })).catch(() => {})
        throw err
      }
      return { printerId: id, command, status: 'queued' as const }
    },
  }
}

export type PrinterService = ReturnType<typeof createPrinterService>
