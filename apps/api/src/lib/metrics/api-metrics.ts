import { ERROR_STATUS, type ErrorCode } from '@printforge/errors'
import { boundedLabel, Counter, createRegistry, Gauge, Histogram, statusClass, type Registry } from '@printforge/metrics'
import { AUTH_FAILURE_REASONS } from './auth-reasons.js'

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
const ERROR_CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_STATUS))

/** What an upload route receives: scan photos (POST /jobs/create) or a sliced model (POST /manufacturing/create). */
export type UploadKind = 'scan_image' | 'model'

/** Seconds; from a cached read (~1 ms) to an upload of 50 photos on a slow link. */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60]
/** Bytes: 100 KiB to 200 MiB, the largest model. */
const SIZE_BUCKETS = [100 * 1024, 1024 ** 2, 4 * 1024 ** 2, 10 * 1024 ** 2, 50 * 1024 ** 2, 200 * 1024 ** 2]

/**
 * The API's series (docs/observability.md). Every label value is bounded here, at the one place
 * it is recorded: route templates (never the URL), known methods, the API's error codes, the
 * known authentication failure reasons.
 */
export class ApiMetrics {
  readonly registry: Registry = createRegistry('api')
  private readonly requests = new Counter({ name: 'printforge_http_requests_total', help: 'Requests answered, by route template, method and status class', labelNames: ['route', 'method', 'status_class'], registers: [this.registry] })
  private readonly latency = new Histogram({ name: 'printforge_http_request_duration_seconds', help: 'Time from request to response, by route template and method', labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS, registers: [this.registry] })
  private readonly rejections = new Counter({ name: 'printforge_api_rejections_total', help: 'Requests answered with an error, by the API error code', labelNames: ['reason'], registers: [this.registry] })
  private readonly authFailures = new Counter({ name: 'printforge_api_auth_failures_total', help: 'Failed authentications, by reason', labelNames: ['reason'], registers: [this.registry] })
  private readonly uploadFiles = new Counter({ name: 'printforge_api_upload_files_total', help: 'Uploaded files accepted (one per file) and upload requests refused (one per request: it stops at the first bad part)', labelNames: ['kind', 'outcome'], registers: [this.registry] })
  private readonly uploadBytes = new Counter({ name: 'printforge_api_upload_bytes_total', help: 'Bytes of accepted uploaded files', labelNames: ['kind'], registers: [this.registry] })
  private readonly uploadSize = new Histogram({ name: 'printforge_api_upload_size_bytes', help: 'Size of each accepted uploaded file', labelNames: ['kind'], buckets: SIZE_BUCKETS, registers: [this.registry] })
  /** No labels: one number per instance (per-actor counts would be unbounded). */
  private readonly liveStreams = new Gauge({ name: 'printforge_api_live_streams', help: 'GET /live streams open on this instance', registers: [this.registry] })

  /**
   * The series of each (route, method, status class), bound once: prom-client hashes a label
   * object on every call (~3 µs a request here); a bound child skips that. Bounded like the labels.
   */
  private readonly bound = new Map<string, { requests: { inc(): void }; latency: { observe(value: number): void } }>()

  /** One answered request. `route` is the matched template, undefined outside every route. */
  request(route: string | undefined, method: string, status: number, seconds: number, errorCode: ErrorCode | null): void {
    const methodLabel = boundedLabel(method, METHODS)
    const key = `${route}\u0000${methodLabel}\u0000${Math.floor(status / 100)}`
    let series = this.bound.get(key)
    if (!series) {
      const labels = { route: route ?? 'unmatched', method: methodLabel }
      series = { requests: this.requests.labels({ ...labels, status_class: statusClass(status) }), latency: this.latency.labels(labels) }
      this.bound.set(key, series)
    }
    series.requests.inc()
    series.latency.observe(seconds)
    if (errorCode) this.rejections.inc({ reason: boundedLabel(errorCode, ERROR_CODES).toLowerCase() })
  }

  liveStreamOpened(): void {
    this.liveStreams.inc()
  }

  liveStreamClosed(): void {
    this.liveStreams.dec()
  }

  authFailure(reason: string): void {
    this.authFailures.inc({ reason: boundedLabel(reason, AUTH_FAILURE_REASONS) })
  }

  uploadAccepted(kind: UploadKind, sizes: readonly number[]): void {
    for (const bytes of sizes) {
      this.uploadFiles.inc({ kind, outcome: 'accepted' })
      this.uploadBytes.inc({ kind }, bytes)
      this.uploadSize.observe({ kind }, bytes)
    }
  }

  uploadRefused(kind: UploadKind): void {
    this.uploadFiles.inc({ kind, outcome: 'refused' })
  }

  /** Counts what `receive` accepted, or one refused upload when it throws; the outcome passes through. */
  async observeUpload<T>(kind: UploadKind, receive: Promise<T>, sizesOf: (received: T) => readonly number[]): Promise<T> {
    try {
      const received = await receive
      this.uploadAccepted(kind, sizesOf(received))
      return received
    } catch (err) {
      this.uploadRefused(kind)
      throw err
    }
  }
}
