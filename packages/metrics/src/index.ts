export { boundedLabel, createRegistry, statusClass, type MetricsService } from './registry.js'
export { registerPoolMetrics, registerUpGauge, type PoolCounts } from './dependencies.js'
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './server.js'
export { Counter, Gauge, Histogram, type Registry } from 'prom-client'
