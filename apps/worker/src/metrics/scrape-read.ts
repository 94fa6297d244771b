// Reads that run while Prometheus scrapes (Redis queue depths, database rows). A scrape must
// answer even when a dependency does not: each read is raced against a short deadline and a
// failure or timeout yields `undefined`, so the collector keeps its last values instead.

/** Far below Prometheus' default scrape timeout (10 s), with room for several reads in parallel. */
export const SCRAPE_READ_MS = 1_500

export async function readWithin<T>(read: () => Promise<T>, ms = SCRAPE_READ_MS): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const pending = read()
  // The read may settle after the deadline; its rejection must not go unhandled then.
  pending.catch(() => {})
  try {
    return await Promise.race([
      pending,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms)
        timer.unref()
      }),
    ])
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

/**
 * One computation shared by several collectors of the same scrape: prom-client starts every
 * metric's collect before awaiting any, so they all join the computation in flight, and the
 * next scrape starts a fresh one.
 */
export function perScrape<T>(compute: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null
  return () => {
    inFlight ??= compute().finally(() => {
      inFlight = null
    })
    return inFlight
  }
}
