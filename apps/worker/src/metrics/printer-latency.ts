// How long the worker takes to reflect a printer (a report to its status row) and a printer takes
// to start a print (the dispatch committed to the printer reporting the task).
import { Histogram, type Registry } from '@printforge/metrics'

export interface PrinterLatencyMetrics {
  /** printforge_printer_status_lag_seconds (printers/status-writer.ts). */
  statusLag: Histogram
  /** printforge_dispatch_start_latency_seconds (printers/start-print.ts). */
  dispatchStart: Histogram
}

export function createPrinterLatencyMetrics(registry: Registry): PrinterLatencyMetrics {
  return {
    statusLag: new Histogram({
      name: 'printforge_printer_status_lag_seconds',
      help: "A printer report's arrival to its printer_status row written",
      // Writes are throttled (1 s per printer by default): most land between 0 and the throttle.
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10, 30],
      registers: [registry],
    }),
    dispatchStart: new Histogram({
      name: 'printforge_dispatch_start_latency_seconds',
      help: 'A dispatch committed (task id recorded, project_file about to be sent) to the printer reporting the print started',
      buckets: [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
      registers: [registry],
    }),
  }
}
