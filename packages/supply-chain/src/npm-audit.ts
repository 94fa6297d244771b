// `npm audit --omit=dev` for CI. The registry's audit endpoint does not answer everywhere (some
// mirrors and proxies refuse its POST with 405; offline machines cannot reach it): that must not
// fail CI, since the reviewed policy (security/advisories.json) is checked offline by `npm test`.
// A real advisory reported by an endpoint that answered must fail it.
import { spawnSync } from 'node:child_process'

export type AuditOutcome =
  | { kind: 'clean'; dependencies: number }
  | { kind: 'vulnerable'; findings: string[] }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'failed'; reason: string }

interface AuditJson {
  metadata?: { vulnerabilities?: Record<string, number>; dependencies?: { prod?: number; total?: number } }
  vulnerabilities?: Record<string, { severity?: string; range?: string; via?: unknown[] }>
  // What npm 11 prints (as JSON) when the bulk advisory request itself failed.
  uri?: string
  statusCode?: number
  message?: string
}

/** Classifies one run of `npm audit --json`: its stdout, stderr and exit status. */
export function classifyAudit(stdout: string, stderr: string, status: number | null): AuditOutcome {
  let json: AuditJson | null
  try {
    json = JSON.parse(stdout) as AuditJson
  } catch {
    json = null
  }
  if (json?.metadata?.vulnerabilities) {
    const findings = Object.entries(json.vulnerabilities ?? {}).map(([name, v]) => `${name} (${v.severity ?? 'unknown'}) ${v.range ?? ''}: ${describeVia(v.via)}`)
    const total = Object.entries(json.metadata.vulnerabilities).reduce((n, [level, count]) => (level === 'total' ? n : n + count), 0)
    if (total > 0 || findings.length > 0) return { kind: 'vulnerable', findings: findings.length ? findings : [`${total} vulnerabilities`] }
    return status === 0
      ? { kind: 'clean', dependencies: json.metadata.dependencies?.prod ?? json.metadata.dependencies?.total ?? 0 }
      : { kind: 'failed', reason: `npm audit exited ${status} with no findings` }
  }
  // npm reports any failure of the advisory request this way (HTTP status, DNS, refused, timeout).
  const endpointError = (json?.uri?.includes('/-/npm/v1/security/') ?? false) || /audit endpoint returned an error/.test(stderr)
  if (endpointError) {
    const reason = json?.statusCode ? `HTTP ${json.statusCode}` : (json?.message ?? firstLine(stderr))
    return { kind: 'unreachable', reason: reason.slice(0, 200) }
  }
  return { kind: 'failed', reason: firstLine(stderr) || `npm audit exited ${status} without a report` }
}

function describeVia(via: unknown[] | undefined): string {
  const parts = (via ?? []).map((v) => (typeof v === 'string' ? `via ${v}` : typeof v === 'object' && v !== null ? String((v as { url?: unknown; title?: unknown }).url ?? (v as { title?: unknown }).title ?? '') : ''))
  return parts.filter(Boolean).join(', ') || 'see npm audit'
}

const firstLine = (text: string) => text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? ''

/**
 * What CI prints and how it exits for an outcome: advisories and broken runs fail; an endpoint
 * that did not answer is one line and a pass (the offline policy check still ran in npm test).
 */
export function auditVerdict(outcome: AuditOutcome): { exitCode: 0 | 1; lines: string[] } {
  switch (outcome.kind) {
    case 'clean':
      return { exitCode: 0, lines: [`npm audit: no known advisories in ${outcome.dependencies} production dependencies`] }
    case 'unreachable':
      return { exitCode: 0, lines: [`npm audit: skipped, the registry's audit endpoint did not answer (${outcome.reason}); security/advisories.json is still enforced by npm test`] }
    case 'vulnerable':
      return { exitCode: 1, lines: outcome.findings.map((f) => `npm audit: ${f}`) }
    case 'failed':
      return { exitCode: 1, lines: [`npm audit failed: ${outcome.reason}`] }
  }
}

/** Runs `npm audit --omit=dev --json` in `cwd`, bounded in time. */
export function runNpmAudit(cwd: string): AuditOutcome {
  const result = spawnSync('npm', ['audit', '--omit=dev', '--json', '--fetch-timeout=60000', '--fetch-retries=1'], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  // A request that hangs past npm's own timeouts is the network, not an advisory.
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') return { kind: 'unreachable', reason: 'npm audit timed out' }
  if (result.error) return { kind: 'failed', reason: `could not run npm audit: ${result.error.message}` }
  return classifyAudit(result.stdout, result.stderr, result.status)
}
