export { boundedLabel, createRegistry, statusClass, type MetricsService } from './registry.js'
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './server.js'
export { Counter, Gauge, Histogram, type Registry } from 'prom-client'
