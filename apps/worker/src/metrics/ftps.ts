// printforge_ftps_upload_bytes_total and printforge_ftps_upload_duration_seconds: model uploads to
// printers over FTPS (printers/upload-model.ts).
import { Counter, Histogram, type Registry } from '@printforge/metrics'

export interface FtpsMetrics {
  /** Times `upload` and counts the bytes it reports; rethrows what it threw. */
  track<T extends { bytes: number }>(upload: () => Promise<T>): Promise<T>
}

export function createFtpsMetrics(registry: Registry): FtpsMetrics {
  const bytes = new Counter({ name: 'printforge_ftps_upload_bytes_total', help: 'Bytes of models uploaded to printers over FTPS', registers: [registry] })
  const duration = new Histogram({
    name: 'printforge_ftps_upload_duration_seconds',
    help: 'One model upload to a printer (ok, failed)',
    labelNames: ['outcome'],
    // Models are KiB to hundreds of MiB; printers take them at a few MB/s at best.
    buckets: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  })
  return {
    async track(upload) {
      const end = duration.startTimer()
      try {
        const result = await upload()
        end({ outcome: 'ok' })
        bytes.inc(result.bytes)
        return result
      } catch (err) {
        end({ outcome: 'failed' })
        throw err
      }
    },
  }
}
