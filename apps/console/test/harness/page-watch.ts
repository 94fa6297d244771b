// Everything the browser reports that the suite must fail on: Content-Security-Policy (and Trusted
// Types) violations, and uncaught page errors. Collected for the whole context, every page and
// navigation, so a violation on any page of the run fails it.
import type { BrowserContext, Page } from 'playwright-core'

export interface Violation {
  page: string
  kind: 'csp-event' | 'csp-console' | 'page-error'
  detail: string
}

/**
 * The listener runs as an init script (through the DevTools protocol, so the page's own CSP does not
 * apply to it) before any of the page's scripts, and reports each `securitypolicyviolation` event
 * to Node at once through a binding: nothing is lost when the page navigates.
 */
const LISTENER = `document.addEventListener('securitypolicyviolation', (e) => {
  window.__pfReportCsp([e.effectiveDirective, e.blockedURI, e.sourceFile + ':' + e.lineNumber, e.sample].join(' | '))
})`

/** Chromium's console wording for blocked loads and Trusted Types refusals. */
const CSP_CONSOLE = /Content Security Policy|TrustedHTML|TrustedScript|Trusted Type/i

export async function watchContext(context: BrowserContext): Promise<Violation[]> {
  const violations: Violation[] = []
  await context.exposeBinding('__pfReportCsp', ({ page }, detail: string) => {
    violations.push({ page: page.url(), kind: 'csp-event', detail })
  })
  await context.addInitScript(LISTENER)
  const watchPage = (page: Page) => {
    page.on('console', (message) => {
      if (CSP_CONSOLE.test(message.text())) violations.push({ page: page.url(), kind: 'csp-console', detail: message.text() })
    })
    page.on('pageerror', (error) => violations.push({ page: page.url(), kind: 'page-error', detail: error.message }))
  }
  context.pages().forEach(watchPage)
  context.on('page', watchPage)
  return violations
}
