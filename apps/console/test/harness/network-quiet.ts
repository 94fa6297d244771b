// "The page has loaded its data": no request in flight for a moment. Playwright's `networkidle`
// never comes while the console holds its /live stream open, so the stream is left out here.
import type { Page, Request } from 'playwright-core'

const inFlight = new WeakMap<Page, Set<Request>>()
/** API calls per page (everything but the console's own files), to see the margin to the API's rate limit. */
const apiCalls = new WeakMap<Page, number>()
const isStream = (request: Request) => new URL(request.url()).pathname.endsWith('/live')

/** Starts counting `page`'s requests; call once, right after the page is created. */
export function trackRequests(page: Page): void {
  const open = new Set<Request>()
  inFlight.set(page, open)
  apiCalls.set(page, 0)
  page.on('request', (r) => {
    if (!isStream(r)) open.add(r)
    if (!new URL(r.url()).pathname.startsWith('/console/')) apiCalls.set(page, (apiCalls.get(page) ?? 0) + 1)
  })
  const done = (r: Request) => open.delete(r)
  page.on('requestfinished', done)
  page.on('requestfailed', done)
}

/** Resolves once no request (but the live stream) has been in flight for `quietMs`, or after `maxMs`. */
export async function networkQuiet(page: Page, quietMs = 300, maxMs = 10_000): Promise<void> {
  const open = inFlight.get(page)
  if (!open) throw new Error('trackRequests(page) was not called')
  const deadline = Date.now() + maxMs
  let quietSince = Date.now()
  while (Date.now() < deadline) {
    if (open.size > 0) quietSince = Date.now()
    else if (Date.now() - quietSince >= quietMs) return
    await new Promise((r) => setTimeout(r, 50))
  }
}

export const apiCallCount = (page: Page): number => apiCalls.get(page) ?? 0
