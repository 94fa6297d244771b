/** Past this many entries, expired ones are swept; if over half remain, all go (amortised O(1)). */
const MAX_ENTRIES = 20_000

/**
 * The per-request authentication lookups' cache (people's standing in role-cache.ts, API keys in
 * api-key-cache.ts): one database read per key, reused for `ttlMs`. Concurrent misses share one
 * lookup; a failed lookup is not cached (the next request tries again). An entry expires `ttlMs`
 * after its lookup *started*, so a lookup racing a revocation cannot serve the old answer past the
 * TTL; `forget` drops an entry at once (the instance that made the change).
 */
export function createLookupCache<V>(ttlMs: number, load: (key: string) => Promise<V>) {
  const cache = new Map<string, { value: Promise<V>; expires: number }>()

  function evict(now: number) {
    for (const [key, entry] of cache) if (entry.expires <= now) cache.delete(key)
    if (cache.size > MAX_ENTRIES / 2) cache.clear()
  }

  return {
    get(key: string): Promise<V> {
      const now = Date.now()
      const hit = cache.get(key)
      if (hit && hit.expires > now) return hit.value
      if (cache.size >= MAX_ENTRIES) evict(now)
      const entry = { value: load(key), expires: now + ttlMs }
      cache.set(key, entry)
      void entry.value.catch(() => cache.get(key) === entry && cache.delete(key))
      return entry.value
    },
    forget(key: string) {
      cache.delete(key)
    },
  }
}
