import type pg from 'pg'
import type { DbContext } from './context.js'

/**
 * The reads every request of the hot path makes (docs/product.md §10), each a plpgsql function of
 * migration 20261202080000_hot_reads that sets the RLS context and read-only mode itself and then
 * runs its query. Issued as a named prepared statement: each pooled connection parses it once, and
 * plpgsql keeps the query's plan for the connection's life, so PostgreSQL neither parses nor plans
 * per request. Measured on the API bench: PostgreSQL CPU per `GET /jobs/:id` fell from ~0.4–0.5 ms
 * (one unprepared multi-statement message, planned every time) to ~0.1–0.15 ms.
 *
 * The statement text is fixed here, never built from input: callers pick a read by name and pass
 * values, which travel as bind parameters.
 */
const HOT_READS = {
  /** One scan job and its images: (job id, owner filter or null). */
  scanJobDetail: 'SELECT * FROM public.read_scan_job_as($1, $2, $3, $4)',
} as const

export type HotRead = keyof typeof HOT_READS

/**
 * Runs one hot read as `context`. One round trip and one statement: its implicit transaction ends
 * with it, and with it the transaction-local context, so nothing carries over to the connection's
 * next user.
 */
export async function hotRead<T>(pool: pg.Pool, context: DbContext, read: HotRead, args: (string | null)[]): Promise<T[]> {
  const result = await pool.query({ name: `hot_${read}`, text: HOT_READS[read], values: [context.actorId ?? '', context.role, ...args] })
  return result.rows as T[]
}
