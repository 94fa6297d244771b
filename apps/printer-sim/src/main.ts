// `npm run sim -- --printers N [--models X1C,P1S,A1] [--speed S] [--max-clients N] [--ca-dir DIR] [--ams TRAYS]`:
// virtual printers on 127.0.0.1 until Ctrl-C. A dev tool: it prints the access codes it generated.
// In a container (the `printers` compose profile): `--host 0.0.0.0 --advertise <its LAN address>
// --base-port 8883` listens on fixed ports and prints one JSON line per printer for the tooling.
import path from 'node:path'
import { parseArgs } from 'node:util'
import { loadOrCreateTestCa } from './certs.js'
import { parseAmsSpec, type SimAms } from './ams.js'
import { startPrinterFarm } from './farm.js'
import { DEFAULT_MAX_CLIENTS, PRINTER_MODELS, type PrinterModel } from './models.js'

const { values } = parseArgs({
  options: {
    printers: { type: 'string', default: '3' },
    models: { type: 'string', default: 'X1C,P1S,A1' },
    speed: { type: 'string', default: '1' },
    // Concurrent MQTT clients per printer; a further one is refused and counted (real printers: 1).
    'max-clients': { type: 'string', default: String(DEFAULT_MAX_CLIENTS) },
    // .local/ is git-ignored; the CA persists there so PRINTER_EXTRA_CA stays valid across runs.
    'ca-dir': { type: 'string', default: path.resolve('.local/sim-ca') },
    host: { type: 'string' },
    advertise: { type: 'string' },
    'base-port': { type: 'string' },
    // Loaded trays for every printer, e.g. `PLA/FFFFFF,PLA/000000,-,PETG/C12E1F;ext=PLA/FFFFFF` (src/ams.ts).
    ams: { type: 'string' },
  },
})

const count = Number(values.printers)
const speed = Number(values.speed)
const maxClients = Number(values['max-clients'])
const models = values.models.split(',').map((m) => m.trim().toUpperCase())
const unknown = models.filter((m) => !PRINTER_MODELS.includes(m as PrinterModel))
const basePort = values['base-port'] === undefined ? undefined : Number(values['base-port'])
const network = values.host ? { host: values.host, advertise: values.advertise ?? values.host, basePort: basePort ?? 8883 } : undefined
const badPort = network !== undefined && (!Number.isInteger(network.basePort) || network.basePort < 1024 || network.basePort + 200 + count * 8 > 65535)
const badClients = !Number.isInteger(maxClients) || maxClients < 1 || maxClients > 100
if (!Number.isInteger(count) || count < 1 || count > 1000 || !(speed > 0) || unknown.length > 0 || badPort || badClients) {
  console.error(`usage: npm run sim -- --printers N (1..1000) [--models ${PRINTER_MODELS.join(',')}] [--speed S>0] [--max-clients N (1..100)] [--ca-dir DIR] [--ams TRAYS] [--host H --advertise A --base-port P (1024..)]`)
  process.exit(2)
}

let ams: SimAms | undefined
try {
  ams = values.ams === undefined ? undefined : parseAmsSpec(values.ams)
} catch (err) {
  console.error(`--ams: ${(err as Error).message}`)
  process.exit(2)
}

const ca = await loadOrCreateTestCa(values['ca-dir'])
const farm = await startPrinterFarm({
  ca,
  speed,
  maxClients,
  printers: Array.from({ length: count }, (_, i) => ({ model: models[i % models.length] as PrinterModel, ...(ams ? { ams } : {}) })),
  ...(network ? { network } : {}),
})

console.log(`test CA (trust it via PRINTER_EXTRA_CA): ${path.join(values['ca-dir'], 'ca.pem')}`)
console.table(
  farm.printers.map((p) => ({ model: p.model, serial: p.serial, accessCode: p.accessCode, host: p.host, mqttPort: p.mqttPort, ftpsPort: p.ftpsPort })),
)
if (network) {
  // One line per printer for the deployment tooling (what an operator would read off the screen).
  for (const p of farm.printers) console.log(JSON.stringify({ printer: { model: p.model, serial: p.serial, accessCode: p.accessCode, host: p.host, mqttPort: p.mqttPort, ftpsPort: p.ftpsPort } }))
}
console.log(`faults: publish {"fault":"stall"|"drop"|"freeze"|"fail"|"devmode-off"|...} to sim/<serial>/control; at most ${maxClients} MQTT client(s) per printer. Ctrl-C stops.`)

let stopping = false
const shutdown = () => {
  if (stopping) return
  stopping = true
  void farm.stop().then(() => process.exit(0))
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
