import { isStorageUnavailable } from './errors.js'
import type { ObjectStore } from './objects.js'

export interface StorageHealth {
  /** False from a failure that means "storage unreachable" until the next successful call. */
  readonly up: boolean
  close(): void
}

export type WatchedStore = ObjectStore & { health: StorageHealth }

/**
 * Storage's health, learned from the calls the store makes anyway plus a cheap HEAD on the bucket
 * every `probeMs` (so an outage is known even when nothing is being uploaded, and its end is
 * noticed). Callers check `health.up` before work that would only fail — an upload is refused
 * with 503 before its body is read — and readiness reports it without a call per probe request.
 */
export function watchStorage(store: ObjectStore, options: { probeMs?: number; onChange?: (up: boolean, cause?: unknown) => void } = {}): WatchedStore {
  let up = true
  const set = (now: boolean, cause?: unknown) => {
    if (now === up) return
    up = now
    options.onChange?.(up, cause)
  }
  const observe = <T>(p: Promise<T>): Promise<T> =>
    p.then(
      (value) => (set(true), value),
      (err: unknown) => {
        if (isStorageUnavailable(err)) set(false, err)
        throw err
      },
    )
  // A failed call that means "unreachable" marks storage down at once; a slow probe (HEAD timing
  // out on a loaded machine) must fail twice in a row first, so it cannot refuse uploads by itself.
  let missed = 0
  const probe = (ok: boolean) => {
    missed = ok ? 0 : missed + 1
    if (ok || missed >= 2) set(ok)
  }
  const timer = setInterval(() => void store.ping().then(probe), options.probeMs ?? 2_000)
  timer.unref()
  return {
    bucket: store.bucket,
    putStream: (...args) => observe(store.putStream(...args)),
    putBuffer: (...args) => observe(store.putBuffer(...args)),
    copy: (...args) => observe(store.copy(...args)),
    deleteKeys: (...args) => observe(store.deleteKeys(...args)),
    listKeys: (...args) => observe(store.listKeys(...args)),
    getStream: (...args) => observe(store.getStream(...args)),
    // Presigning is local (no call to storage).
    presignGet: (...args) => store.presignGet(...args),
    ping: () => store.ping().then((ok) => (probe(ok), ok)),
    health: {
      get up() {
        return up
      },
      close: () => clearInterval(timer),
    },
  }
}
