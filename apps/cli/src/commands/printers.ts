import { parseArgs } from 'node:util'
import { SYSTEM_CONTEXT, withTx, type BambuModel } from '@printforge/db'
import { PRINTER_MODELS, upsertPrinter } from '@printforge/domain'
import { isPrivatePrinterHost, parsePrinterKeys } from '@printforge/printer-keys'
import { UsageError, type Command } from '../command.js'
import { withAppDatabase } from '../database.js'
import { opsActor, opsContext } from '../ops-context.js'

const MODELS = PRINTER_MODELS

/**
 * `printers add` registers a printer, or updates the one with that serial (host, ports, access
 * code): re-running it is safe, which `npm run dev` relies on for its virtual printers.
 * `printers list` shows the fleet with its live status. Access codes are never printed.
 */
export const printersCommand: Command = async (args, config, print) => {
  const [sub, ...rest] = args
  if (sub === 'list') return list(config, print)
  if (sub !== 'add') throw new UsageError('printers: expected add or list')
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      name: { type: 'string' }, model: { type: 'string' }, serial: { type: 'string' }, host: { type: 'string' },
      'access-code': { type: 'string' }, 'mqtt-port': { type: 'string', default: '8883' }, 'ftps-port': { type: 'string', default: '990' },
    },
  })
  const { name, model, serial, host } = values
  const accessCode = values['access-code']
  if (!name || !model || !serial || !host || !accessCode) throw new UsageError('printers add: --name, --model, --serial, --host and --access-code are required')
  if (!MODELS.includes(model as BambuModel)) throw new UsageError(`printers add: --model must be one of ${MODELS.join(', ')}`)
  if (!/^[0-9A-Z]{8,32}$/.test(serial)) throw new UsageError('printers add: --serial must be 8–32 characters A–Z 0–9')
  if (!/^[A-Za-z0-9]{6,32}$/.test(accessCode)) throw new UsageError('printers add: --access-code must be 6–32 letters or digits')
  if (!isPrivatePrinterHost(host)) throw new UsageError('printers add: --host must be a private or loopback IP address')
  const ports = [Number(values['mqtt-port']), Number(values['ftps-port'])]
  if (!ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)) throw new UsageError('printers add: ports must be 1–65535')
  if (!config.PRINTER_KEYS) throw new Error('PRINTER_KEYS is required to store an access code')
  const keyring = parsePrinterKeys(config.PRINTER_KEYS)
  const registration = { name, model: model as BambuModel, serial, host, accessCode, mqttPort: ports[0] as number, ftpsPort: ports[1] as number }
  return withAppDatabase(config, (db) =>
    withTx(db, opsContext(), async (tx) => {
      const printer = await upsertPrinter(tx, keyring, registration, { actorType: 'system', actorId: opsActor() }, {}, 'cli')
      print(`${printer.created ? 'Registered' : 'Updated'} ${model} ${serial} at ${host} (id ${printer.id}).`)
      return 0
    }),
  )
}

async function list(config: Parameters<Command>[1], print: (line: string) => void) {
  return withAppDatabase(config, async (db) => {
    const printers = await withTx(db, SYSTEM_CONTEXT, (tx) =>
      tx.printer.findMany({ orderBy: { name: 'asc' }, select: { id: true, name: true, model: true, serial: true, host: true, mqttPort: true, status: true } }),
    )
    if (printers.length === 0) print('No printers registered.')
    for (const p of printers) {
      const s = p.status
      print(`${p.serial.padEnd(16)} ${p.model.padEnd(6)} ${p.name.padEnd(24)} ${`${p.host}:${p.mqttPort}`.padEnd(22)} ${(s?.connection ?? 'offline').padEnd(12)} ${s?.gcodeState ?? '-'}${s?.progress != null ? ` ${s.progress}%` : ''}`)
    }
    return 0
  })
}
