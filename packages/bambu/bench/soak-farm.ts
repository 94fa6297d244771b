// Child process of soak.bench.ts: runs the virtual printers so their CPU and memory are not
// counted against the client process. Reports its printers over IPC and stops on "stop" or when
// the parent goes away.
import { startPrinterFarm, type PrinterModel } from '@printforge/printer-sim'

const count = Number(process.argv[2] ?? 500)
const models: PrinterModel[] = ['X1C', 'P1S', 'A1', 'H2D']
const farm = await startPrinterFarm({
  printers: Array.from({ length: count }, (_, i) => ({ model: models[i % models.length]! })),
  reportIntervalMs: 1000,
  timestampReports: true,
  ftps: false,
})
process.send?.({
  type: 'ready',
  caPem: farm.caPem,
  printers: farm.printers.map((p) => ({ serial: p.serial, model: p.model, accessCode: p.accessCode, host: p.host, mqttPort: p.mqttPort })),
})
const stop = () => void farm.stop().then(() => process.exit(0))
process.on('message', (m) => m === 'stop' && stop())
process.on('disconnect', stop)
