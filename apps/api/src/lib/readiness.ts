/**
 * GET /health/ready is public and unauthenticated, so it must cost a caller nothing: the database
 * and Redis answers come from the health monitors that already watch them (no query per request),
 * and storage — the one dependency nothing else watches — is asked at most once per `cacheMs`,
 * with concurrent callers sharing the one request in flight.
 */
export interface ReadinessSources {
  database: { readonly up: boolean }
  redis: { readonly up: boolean }
  storage: { ping(): Promise<boolean> }
}

export interface Readiness {
  database: boolean
  redis: boolean
  storage: boolean
}

export function createReadiness(sources: ReadinessSources, cacheMs = 2_000): () => Promise<Readiness> {
  let storage: { value: Promise<boolean>; at: number } | undefined
  const storageUp = () => {
    const now = Date.now()
    if (!storage || now - storage.at >= cacheMs) storage = { value: sources.storage.ping(), at: now }
    return storage.value
  }
  return async () => ({ database: sources.database.up, redis: sources.redis.up, storage: await storageUp() })
}
