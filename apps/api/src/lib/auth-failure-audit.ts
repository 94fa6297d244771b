import { ANONYMOUS_CONTEXT, withTx, writeAudit, type Db } from '@printforge/db'

/**
 * Audits failed authentications in aggregate (docs/product.md §2, second security review). Every audited
 * write takes the chain-head row lock (one chain, no forks), so one INSERT per failure let an
 * unauthenticated flood from many addresses queue every legitimate audited write behind it.
 * Failures are counted in memory instead and written every `flushMs` in ONE transaction: one
 * `auth.failed` row per source address with its count and reasons, at most `maxRows` of them
 * (the busiest), plus one row summing up the rest. A flood costs one short transaction per
 * interval, whatever its size or spread.
 */
export interface AuthFailure {
  ip: string
  reason: string
  route: string
  userAgent?: string
  requestId?: string
  /** Over the per-IP limit (answered 429): audited as ratelimit.exceeded. */
  limited: boolean
}

interface Tally {
  count: number
  limited: number
  reasons: Record<string, number>
  routes: Record<string, number>
  first: { userAgent?: string; requestId?: string; at: string }
}

export interface AuthFailureAudit {
  record(failure: AuthFailure): void
  /** Writes what was counted so far (also on a timer, and on close). */
  flush(): Promise<void>
  close(): Promise<void>
}

const bump = (bag: Record<string, number>, key: string) => {
  // Reasons and routes come from fixed sets, but stay bounded whatever arrives.
  if (key in bag || Object.keys(bag).length < 20) bag[key] = (bag[key] ?? 0) + 1
}

/**
 * As a list, not an object: a reason such as "no_authorization_in_header" is not a secret, but
 * writeAudit refuses any details key that looks like one.
 */
const counted = (bag: Record<string, number>) => Object.entries(bag).map(([name, count]) => ({ name, count }))

export function createAuthFailureAudit(
  db: Db,
  log: { error(obj: object, msg: string): void },
  { flushMs = 5_000, maxRows = 100, maxTracked = 50_000 } = {},
): AuthFailureAudit {
  let tallies = new Map<string, Tally>()
  let overflow = 0
  let flushing: Promise<void> = Promise.resolve()

  const timer = setInterval(() => void flush(), flushMs)
  timer.unref()

  function record(f: AuthFailure) {
    let tally = tallies.get(f.ip)
    if (!tally) {
      // Memory stays bounded under a spread-out flood: past maxTracked addresses, only a count.
      if (tallies.size >= maxTracked) return void overflow++
      tally = { count: 0, limited: 0, reasons: {}, routes: {}, first: { userAgent: f.userAgent, requestId: f.requestId, at: new Date().toISOString() } }
      tallies.set(f.ip, tally)
    }
    tally.count++
    if (f.limited) tally.limited++
    bump(tally.reasons, f.reason)
    bump(tally.routes, f.route)
  }

  function mergeBack(ip: string, t: Tally) {
    const current = tallies.get(ip)
    if (!current) {
      if (tallies.size >= maxTracked) overflow += t.count
      else tallies.set(ip, t)
      return
    }
    current.count += t.count
    current.limited += t.limited
    for (const [k, n] of Object.entries(t.reasons)) current.reasons[k] = (current.reasons[k] ?? 0) + n
    for (const [k, n] of Object.entries(t.routes)) current.routes[k] = (current.routes[k] ?? 0) + n
    current.first = t.first
  }

  async function write(batch: Map<string, Tally>, untracked: number) {
    const busiest = [...batch.entries()].sort((a, b) => b[1].count - a[1].count)
    const rows = busiest.slice(0, maxRows)
    const rest = busiest.slice(maxRows)
    const restCount = rest.reduce((n, [, t]) => n + t.count, 0) + untracked
    const until = new Date().toISOString()
    await withTx(db, ANONYMOUS_CONTEXT, async (tx) => {
      for (const [ip, t] of rows) {
        const request = { actorType: 'anonymous' as const, ip, userAgent: t.first.userAgent, requestId: t.first.requestId }
        await writeAudit(tx, { ...request, action: 'auth.failed', details: { count: t.count, reasons: counted(t.reasons), routes: counted(t.routes), from: t.first.at, until } })
        if (t.limited > 0) await writeAudit(tx, { ...request, action: 'ratelimit.exceeded', details: { count: t.limited, limit: 'auth-failures', from: t.first.at, until } })
      }
      if (restCount > 0) {
        await writeAudit(tx, {
          actorType: 'anonymous',
          action: 'auth.failed',
          details: { count: restCount, addresses: rest.length + (untracked > 0 ? 1 : 0), aggregated: true, until },
        })
      }
    })
  }

  function flush(): Promise<void> {
    // One flush at a time, in order: the chain is written by one transaction per interval.
    flushing = flushing.then(async () => {
      if (tallies.size === 0 && overflow === 0) return
      const batch = tallies
      const untracked = overflow
      tallies = new Map()
      overflow = 0
      try {
        await write(batch, untracked)
      } catch (err) {
        // The database is down: keep the counts for the next interval rather than lose them.
        log.error({ err, addresses: batch.size }, 'could not audit failed authentications yet; retrying with the next batch')
        for (const [ip, t] of batch) mergeBack(ip, t)
        overflow += untracked
      }
    })
    return flushing
  }

  return {
    record,
    flush,
    async close() {
      clearInterval(timer)
      await flush()
    },
  }
}
