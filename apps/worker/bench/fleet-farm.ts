// Child process of fleet-soak.bench.ts: the virtual printers, so their CPU is not the workers' or
// the bench's. Every printer reports once a second and, as if all were printing, its nozzle
// temperature changes every report (so every report is a status write for the worker holding it).
// On "mark" one printer pins a marker temperature and reports it at once; the reply carries when.
import { startPrinterFarm, type PrinterModel } from '@printforge/printer-sim'

export type FarmRequest = { type: 'mark'; index: number; celsius: number } | { type: 'clients' } | { type: 'stop' }
export type FarmReply =
  | { type: 'ready'; caPem: string; printers: Array<{ serial: string; model: PrinterModel; accessCode: string; host: string; mqttPort: number }> }
  | { type: 'marked'; index: number; celsius: number; sentAt: number }
  | { type: 'clients'; one: number; several: number; extraClients: number; connects: number }

const count = Number(process.argv[2] ?? 500)
const models: PrinterModel[] = ['X1C', 'P1S', 'A1']
const farm = await startPrinterFarm({
  printers: Array.from({ length: count }, (_, i) => ({ model: models[i % models.length]! })),
  reportIntervalMs: 1000,
  ftps: false,
})
const send = (reply: FarmReply) => process.send?.(reply)

// Churn: 30–99 °C, never in the markers' range (150 °C and up). A marked printer keeps its marker
// for a few seconds, until the bench has seen it.
const markedUntil = new Map<number, number>()
const churn = setInterval(() => {
  const now = Date.now()
  farm.printers.forEach((p, i) => {
    if ((markedUntil.get(i) ?? 0) < now) p.pinNozzle(30 + Math.floor(Math.random() * 70))
  })
}, 1000)

send({ type: 'ready', caPem: farm.caPem, printers: farm.printers.map((p) => ({ serial: p.serial, model: p.model, accessCode: p.accessCode, host: p.host, mqttPort: p.mqttPort })) })

const stop = () => {
  clearInterval(churn)
  void farm.stop().then(() => process.exit(0))
}
process.on('message', (m: FarmRequest) => {
  if (m.type === 'stop') return stop()
  if (m.type === 'mark') {
    markedUntil.set(m.index, Date.now() + 15_000)
    const sentAt = Date.now()
    farm.printers[m.index]?.pinNozzle(m.celsius, true)
    return send({ type: 'marked', index: m.index, celsius: m.celsius, sentAt })
  }
  const stats = farm.printers.map((p) => p.connectedClients)
  send({ type: 'clients', one: stats.filter((n) => n === 1).length, several: stats.filter((n) => n > 1).length, extraClients: farm.printers.reduce((n, p) => n + p.clientStats.extraClients, 0), connects: farm.printers.reduce((n, p) => n + p.connections, 0) })
})
process.on('disconnect', stop)
