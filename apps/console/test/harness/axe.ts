// axe-core inside the page: injected with page.evaluate (DevTools-protocol evaluation, which the
// page's CSP and Trusted Types do not restrict, so the console's policy needs no exception for it).
import axe from 'axe-core'
import type { Page } from 'playwright-core'

/** axe-core's own script, as the package exports it for injection into a page. */
const AXE_SOURCE = axe.source
const FAILING = new Set(['serious', 'critical'])
const IMPACTS = ['critical', 'serious', 'moderate', 'minor'] as const

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

export interface AxeRecord {
  page: string
  counts: Record<(typeof IMPACTS)[number], number>
  failing: string[]
}

/** One axe run per page visited; the suite prints them all and fails on any serious or critical. */
export class AxeAudit {
  readonly records: AxeRecord[] = []

  async check(page: Page, label: string): Promise<AxeRecord> {
    if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE)
    const violations = (await page.evaluate(
      `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
    )) as AxeViolation[]
    const counts = { critical: 0, serious: 0, moderate: 0, minor: 0 }
    const failing: string[] = []
    for (const v of violations) {
      const impact = (v.impact ?? 'minor') as keyof typeof counts
      counts[impact] += v.nodes.length
      if (FAILING.has(impact)) failing.push(`${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
    }
    const record = { page: label, counts, failing }
    this.records.push(record)
    return record
  }

  summary(): string {
    const rows = this.records.map((r) => `  ${r.page.padEnd(34)} ${IMPACTS.map((i) => `${i} ${r.counts[i]}`).join(', ')}`)
    return `axe-core ${this.version()} — violations (nodes) by impact, per page:\n${rows.join('\n')}`
  }

  private version(): string {
    return axe.version
  }
}
