/**
 * GET /health/ready is public and unauthenticated, so it must cost a caller nothing: every answer
 * comes from the health monitors that already watch the database, Redis and storage (each probes
 * on its own schedule), never from a call made for the request.
 */
type Watched = { readonly up: boolean }

export function readiness(sources: { database: Watched; redis: Watched; storage: Watched }) {
  return () => ({ database: sources.database.up, redis: sources.redis.up, storage: sources.storage.up })
}
