import { randomUUID } from 'node:crypto'
import { withTx, writeAudit, type Database, type Prisma, type Tx } from '@printforge/db'
import { AppError } from '@printforge/errors'
import { enqueue, type QueueMap } from '@printforge/jobs'
import { encryptAccessCode, isPrivatePrinterHost, type PrinterKeyring } from '@printforge/printer-keys'
import type { Static } from 'typebox'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import { auditActor, dbContextOf, type Principal } from '../lib/principal.js'
import type { Printer, PrinterCommandBody, RegisterPrinterBody, UpdatePrinterBody } from '../schemas/printers.js'
import type { RequestMeta } from './scan-jobs.service.js'

type PrinterView = Static<typeof Printer>
const ACTIVE_PRINT = ['uploading', 'starting', 'printing'] as const
const BUSY_STATES = new Set(['PREPARE', 'RUNNING', 'PAUSE', 'SLICING'])

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
    lastSeenAt: s?.lastSeenAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  }
}

/** Prisma's Bytes columns take a Uint8Array over a plain ArrayBuffer. */
const sealedColumns = (sealed: { ciphertext: Buffer; nonce: Buffer; keyId: string }) => ({
  accessCodeCiphertext: new Uint8Array(sealed.ciphertext),
  accessCodeNonce: new Uint8Array(sealed.nonce),
  accessCodeKeyId: sealed.keyId,
})

function assertPrivateHost(host: string) {
  if (!isPrivatePrinterHost(host)) {
    throw new AppError('VALIDATION_FAILED', 'host must be a private or loopback IP address (the printer on your LAN).')
  }
}

/** docs/product.md §4.4: operators read and control printers; admins manage them. */
export function createPrinterService(deps: { db: Database; keyring: PrinterKeyring; queues: QueueMap }) {
  const { db, keyring } = deps
  const find = async (tx: Prisma.TransactionClient, id: string) => {
    const printer = await tx.printer.findUnique({ where: { id }, select: VIEW_SELECT })
    if (!printer) throw new AppError('NOT_FOUND', 'Printer not found.')
    return printer
  }

  return {
    async register(p: Principal, body: Static<typeof RegisterPrinterBody>, meta: RequestMeta): Promise<PrinterView> {
      assertPrivateHost(body.host)
      const sealed = encryptAccessCode(keyring, body.accessCode, body.serial)
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const printer = await tx.printer.create({
          data: {
            name: body.name, model: body.model, serial: body.serial, host: body.host,
            mqttPort: body.mqttPort ?? 8883, ftpsPort: body.ftpsPort ?? 990,
            ...sealedColumns(sealed),
            status: { create: {} },
          },
          select: VIEW_SELECT,
        })
        await writeAudit(tx, { ...auditActor(p), action: 'printer.registered', targetType: 'printer', targetId: printer.id, ...meta, details: { name: body.name, model: body.model, serial: body.serial, host: body.host } })
        return toView(printer)
      })
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
      if (body.host !== undefined) assertPrivateHost(body.host)
      return withTx(db.prisma, dbContextOf(p), async (tx) => {
        const current = await find(tx, id)
        // Rotating the access code re-encrypts it under the newest key, bound to the serial.
        const sealed = body.accessCode ? encryptAccessCode(keyring, body.accessCode, current.serial) : undefined
        const printer = await tx.printer.update({
          where: { id },
          data: {
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(body.host !== undefined ? { host: body.host } : {}),
            ...(body.mqttPort !== undefined ? { mqttPort: body.mqttPort } : {}),
            ...(body.ftpsPort !== undefined ? { ftpsPort: body.ftpsPort } : {}),
            ...(sealed ? sealedColumns(sealed) : {}),
          },
          select: VIEW_SELECT,
        })
        // Field names only: the new access code is never written anywhere but its ciphertext.
        await writeAudit(tx, { ...auditActor(p), action: 'printer.updated', targetType: 'printer', targetId: id, ...meta, details: { fields: Object.keys(body).sort() } })
        return toView(printer)
      })
    },

    async remove(p: Principal, id: string, meta: RequestMeta) {
      await withTx(db.prisma, dbContextOf(p), async (tx) => {
        // Lock the printer row: a dispatcher claiming it concurrently waits, then sees it gone.
        await tx.$executeRaw`SELECT 1 FROM printers WHERE id = ${id}::uuid FOR UPDATE`
        const printer = await find(tx, id)
        const active = await tx.manufacturingJob.count({ where: { printerId: id, status: { in: [...ACTIVE_PRINT] } } })
        if (active > 0 || BUSY_STATES.has(printer.status?.gcodeState ?? '')) throw new AppError('CONFLICT', 'The printer is printing; stop the print first.')
        await tx.printer.delete({ where: { id } })
        await writeAudit(tx, { ...auditActor(p), action: 'printer.deleted', targetType: 'printer', targetId: id, ...meta, details: { name: printer.name, serial: printer.serial } })
      })
    },

    /**
     * Audits, then enqueues after the commit (like every job): the worker can never act on a
     * command whose audit row might still roll back. A command is not swept up later — a pause
     * or stop sent minutes late would surprise an operator — so when the queue refuses it the
     * caller gets 503 and a second audit row records that it was not sent.
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
        await enqueue(deps.queues, 'printer.command', { printerId: id, command, requestId }, `${id}-${requestId}`)
      } catch (err) {
        await withTx(db.prisma, dbContextOf(p), audit({ command, queued: false })).catch(() => {})
        throw new AppError('UNAVAILABLE', 'The command could not be queued; retry shortly.', { cause: err })
      }
      return { printerId: id, command, status: 'queued' as const }
    },
  }
}

export type PrinterService = ReturnType<typeof createPrinterService>
