// Reading monitoring/ and the docs for monitoring.test.ts: no YAML parser in the workspace, and the
// rules file keeps one layout (`- alert:`, `expr:`, `labels: { … }`, `annotations:`), which the test
// cross-checks against promtool's own count of rules.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')

export interface Alert {
  name: string
  expr: string
  labels: Record<string, string>
  annotations: Record<string, string>
}

const unquote = (v: string) => v.trim().replace(/^(['"])(.*)\1$/, '$2')

/** Every `- alert:` block of a rules file in this repository's layout. */
export function parseAlerts(text: string): Alert[] {
  return text.split(/^\s*- alert: /m).slice(1).map((block) => {
    const lines = block.split('\n')
    const name = (lines[0] ?? '').trim()
    const exprAt = lines.findIndex((l) => /^\s*expr:/.test(l))
    let expr = (lines[exprAt] ?? '').replace(/^\s*expr:\s*/, '')
    if (expr === '|') {
      const body: string[] = []
      for (const l of lines.slice(exprAt + 1)) {
        if (/^\s*(for|labels|annotations):/.test(l)) break
        body.push(l.trim())
      }
      expr = body.join(' ')
    }
    const labelLine = lines.find((l) => /^\s*labels: \{/.test(l)) ?? ''
    const labels = Object.fromEntries(
      (/\{(.*)\}/.exec(labelLine)?.[1] ?? '').split(',').map((kv) => kv.split(':').map((s) => s.trim())).filter((kv) => kv.length === 2),
    )
    const annotations: Record<string, string> = {}
    const annotationsAt = lines.findIndex((l) => /^\s*annotations:\s*$/.test(l))
    for (const l of annotationsAt < 0 ? [] : lines.slice(annotationsAt + 1)) {
      const m = /^\s+(summary|description|runbook): (.*)$/.exec(l)
      if (!m) break
      annotations[m[1] as string] = unquote(m[2] as string)
    }
    return { name, expr, labels, annotations }
  })
}

/** The series of docs/observability.md's tables: name → type (`counter`, `gauge`, `histogram`, or '' for a row of several). */
export function documentedSeries(doc: string): Map<string, string> {
  const series = new Map<string, string>()
  for (const row of doc.split('\n').filter((l) => l.startsWith('| `printforge_'))) {
    const [names = '', type = ''] = row.split('|').slice(1).map((c) => c.trim())
    for (const [name] of names.matchAll(/printforge_\w+/g)) if (!series.get(name)) series.set(name, type)
  }
  return series
}

/** Metric names in a PromQL expression: ours, and Node's process metrics. */
export const metricNames = (expr: string) => [...expr.matchAll(/\b(?:printforge|process|nodejs)_\w+\b/g)].map((m) => m[0])

/** A name the docs cover: documented as is, or a histogram's `_bucket`/`_sum`/`_count`. */
export function isDocumented(name: string, series: Map<string, string>, doc: string): boolean {
  if (series.has(name)) return true
  const base = name.replace(/_(bucket|sum|count)$/, '')
  if (base !== name && series.get(base) === 'histogram') return true
  // The process metrics are documented as families (`process_*`, `nodejs_*`).
  const family = /^(process|nodejs)_/.exec(name)?.[1]
  return family !== undefined && doc.includes(`\`${family}_*\``)
}

/** The rows of the "Alerts" table: checklist id and alert name. */
export function checklistTable(doc: string): { id: string; alert: string }[] {
  const section = doc.split(/^## Alerts$/m)[1]?.split(/^## /m)[0] ?? ''
  return section.split('\n').flatMap((row) => {
    const cells = row.split('|').map((c) => c.trim())
    const id = /^`(\w+)`$/.exec(cells[2] ?? '')?.[1]
    const alert = /^`(PrintForge\w+)`$/.exec(cells[3] ?? '')?.[1]
    return id && alert ? [{ id, alert }] : []
  })
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s/g, '-')

/** Runs promtool; missing, the test fails saying how to install it (never a skip). */
export function promtool(args: string[], cwd = ROOT): { code: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' })
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    assert.fail("promtool is not installed: it comes with Debian's prometheus package (`apt-get install -y --no-install-recommends prometheus`; npm test installs it when run as root, scripts/bootstrap.mjs)")
  }
  return { code: result.status, output: `${result.stdout}${result.stderr}` }
}
