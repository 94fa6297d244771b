import { Gauge, type Registry } from 'prom-client'

/** The counts every pg.Pool keeps (structural, so this package needs no database driver). */
export interface PoolCounts {
  readonly totalCount: number
  readonly idleCount: number
  readonly waitingCount: number
}

/**
 * The PostgreSQL pool, read when scraped. `waiting` above zero means work queued for a connection:
 * the pool is exhausted (the alert `DatabasePoolExhausted`).
 */
export function registerPoolMetrics(registry: Registry, pool: PoolCounts, max: number): void {
  new Gauge({
    name: 'printforge_db_pool_clients',
    help: 'PostgreSQL pool connections by state (total, idle) and requests waiting for one (waiting)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount)
      this.set({ state: 'idle' }, pool.idleCount)
      this.set({ state: 'waiting' }, pool.waitingCount)
    },
  })
  new Gauge({ name: 'printforge_db_pool_max', help: 'Size of the PostgreSQL pool (DATABASE_POOL_MAX)', registers: [registry] }).set(max)
}

/** A dependency's health as 1/0, read from the process's own health tracker when scraped. */
export function registerUpGauge(registry: Registry, dependency: 'database' | 'redis', isUp: () => boolean): void {
  new Gauge({
    name: `printforge_${dependency}_up`,
    help: `1 while ${dependency === 'database' ? 'PostgreSQL' : 'Redis'} answers this process, 0 while it does not`,
    registers: [registry],
    collect() {
      this.set(isUp() ? 1 : 0)
    },
  })
}
