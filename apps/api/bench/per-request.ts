// What one read costs the servers behind the API, counted by the servers themselves: PostgreSQL's
// pg_stat_statements (statements, plans, planning and execution time per request; the test stack
// preloads it with track_planning on) and Redis's INFO commandstats (commands per request; commands a
// Lua script runs count as commands of their own, under the EVALSHA that carried them).
import pg from 'pg'
import type { Redis } from 'ioredis'

export interface ServerCounters {
  reset(): Promise<void>
  /** Lines describing `requests` requests' worth of statements and commands. */
  report(requests: number): Promise<string[]>
  close(): Promise<void>
}

export async function serverCounters(superuserUrl: string, redis: Redis): Promise<ServerCounters> {
  const client = new pg.Client({ connectionString: superuserUrl })
  await client.connect()
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
  return {
    async reset() {
      await client.query('SELECT pg_stat_statements_reset()')
      await redis.call('CONFIG', 'RESETSTAT')
    },
    async report(requests) {
      const n = Math.max(1, requests)
      const { rows } = await client.query<{ calls: string; plans: string; plan_ms: number; exec_ms: number; query: string }>(
        `SELECT calls, plans, total_plan_time AS plan_ms, total_exec_time AS exec_ms, regexp_replace(query, '\\s+', ' ', 'g') AS query
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= $1
          ORDER BY total_plan_time + total_exec_time DESC LIMIT 8`,
        [Math.floor(n / 2)],
      )
      const lines = rows.map((r) =>
        `  PostgreSQL ${(Number(r.calls) / n).toFixed(2)}/req, plans ${(Number(r.plans) / n).toFixed(2)}/req, ` +
        `plan ${((1000 * r.plan_ms) / n).toFixed(0)} µs + exec ${((1000 * r.exec_ms) / n).toFixed(0)} µs per req: ${r.query.slice(0, 70)}`)
      const info = (await redis.call('INFO', 'commandstats')) as string
      const commands = [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)]
        .filter(([, name]) => name !== 'config|resetstat' && name !== 'info')
        .map(([, name, calls]) => `${name} ${(Number(calls) / n).toFixed(2)}`)
      lines.push(`  Redis commands per req: ${commands.join(', ')}`)
      return lines
    },
    close: () => client.end(),
  }
}
